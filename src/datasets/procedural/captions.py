"""Natural-language captions for the procedural actions.

Each action has several predicates written in the third person; a caption is a subject plus a
predicate ("a person" + "walks forward"). Sided actions always name the side, and name it from the
performer's point of view. Turn-arounds and circles draw their side as the clip is made, after
its caption: some of their predicates hold a slot, ``{side}`` (left / right) or ``{spin}``
(counterclockwise / clockwise: seen from above a left turn is counterclockwise, SPEC §1), that
``fill_sides`` fills from the clip's ``turn`` parameter, so "turns around to the left" turns left.
``ACTION_CAPTIONS`` lists the full sentences with neutral subjects; ``sample_caption`` may instead
use a gendered subject matching the body's gender.
"""

import re
from typing import Dict, List, Optional, Sequence

import numpy as np

PREDICATES: Dict[str, List[str]] = {
    "walk_forward": ["walks forward", "strolls straight ahead", "takes several steps forward",
                     "walks straight ahead at a steady pace", "moves forward on foot", "walks ahead in a straight line",
                     "paces forward",
                     "walks ahead at a normal speed", "takes a short walk forward",
                     "steps forward one foot after the other", "walks forwards, swinging the arms naturally",
                     "goes for a brief walk in the direction they are facing", "walks a short distance forward"],
    "walk_backward": ["walks backward", "steps backwards", "takes several steps back", "backs up slowly",
                      "moves in reverse, walking backwards", "retreats backwards on foot",
                      "walks backwards slowly", "steps back several times without turning around",
                      "moves backward one step at a time", "walks back while still facing forward",
                      "backs away on foot", "carefully walks backward a short distance"],
    "walk_circle": ["walks in a circle", "walks around in a full circle", "strolls along a circular path",
                    "circles around on foot", "walks a loop and ends up near the starting point",
                    "walks round in a circle",
                    "walks around a small circle", "follows a round path on foot",
                    "makes a full lap walking in a circle", "walks in a loop back to where they began",
                    "paces around in a circle", "traces a circle on the floor by walking",
                    "walks in a circle to the {side}", "walks a full circle {spin}",
                    "walks around a small circle, curving to the {side}"],
    # A curve is part of a circle walked on the move (60-120 degrees), not a turn on the spot.
    "walk_curve_left": ["walks in a curve to the left", "walks along a path that bends to the left",
                        "walks forward and curves around to the left", "walks a quarter circle to the left",
                        "walks in an arc toward the left", "walks ahead and gradually veers left",
                        "walks around a bend to the left", "follows a curved path to the left on foot",
                        "walks a quarter circle counterclockwise, to the left",
                        "walks forward while slowly turning left",
                        "strolls along a curve that bends left", "walks in a wide arc to the left"],
    "walk_curve_right": ["walks in a curve to the right", "walks along a path that bends to the right",
                         "walks forward and curves around to the right", "walks a quarter circle to the right",
                         "walks in an arc toward the right", "walks ahead and gradually veers right",
                         "walks around a bend to the right", "follows a curved path to the right on foot",
                         "walks a quarter circle clockwise, to the right",
                         "walks forward while slowly turning right",
                         "strolls along a curve that bends right", "walks in a wide arc to the right"],
    "turn_left": ["turns to the left", "turns left in place", "rotates their body toward the left",
                  "makes a left turn on the spot", "pivots to the left", "steps around to face left",
                  "turns toward their left side", "steps in place to turn left", "does a quarter turn to the left",
                  "faces left by turning on the spot", "turns the whole body to the left",
                  "changes direction by turning left",
                  # A quarter turn named in degrees, as half turns are ("a hundred and eighty degrees").
                  "turns left by ninety degrees", "makes a ninety degree turn to the left"],
    "turn_right": ["turns to the right", "turns right in place", "rotates their body toward the right",
                   "makes a right turn on the spot", "pivots to the right", "steps around to face right",
                   "turns toward their right side", "steps in place to turn right", "does a quarter turn to the right",
                   "faces right by turning on the spot", "turns the whole body to the right",
                   "changes direction by turning right",
                   "turns right by ninety degrees", "makes a ninety degree turn to the right"],
    "turn_around": ["turns around", "turns around to face the opposite direction", "does an about-face",
                    "turns to face backward", "turns all the way around", "turns back the way they came",
                    "turns round to face the other way", "does a half turn", "turns to face what was behind them",
                    "steps around in place until facing backward", "turns a hundred and eighty degrees",
                    "wheels around to face the rear",
                    # The side is drawn with the clip: slots filled by ``fill_sides`` (module docstring).
                    "turns around to the {side}", "does a half turn to the {side}",
                    "turns a hundred and eighty degrees to the {side}", "makes a U-turn to the {side}",
                    "turns around {spin}", "turns over the {side} shoulder to face backward"],
    "side_step_left": ["side-steps to the left", "shuffles sideways to the left", "steps sideways toward their left",
                       "moves to the left with side steps", "sidesteps left", "slides sideways to the left side",
                       "steps sideways to the left several times", "moves to their left without turning",
                       "takes lateral steps toward the left", "travels left with sideways steps",
                       "sidesteps along to the left while facing forward",
                       "shifts over to the left with a few side steps"],
    "side_step_right": ["side-steps to the right", "shuffles sideways to the right",
                        "steps sideways toward their right", "moves to the right with side steps", "sidesteps right",
                        "slides sideways to the right side",
                        "steps sideways to the right several times", "moves to their right without turning",
                        "takes lateral steps toward the right", "travels right with sideways steps",
                        "sidesteps along to the right while facing forward",
                        "shifts over to the right with a few side steps"],
    # Jog and run captions never share a verb: jog/jogging/trot for jogs, run/running/sprint for runs.
    "jog": ["jogs forward", "goes for a short jog", "jogs straight ahead", "jogs at a steady pace",
            "breaks into a jog", "trots forward at an easy pace", "jogs ahead at a relaxed pace",
            "jogs a short distance forward", "goes for a light jog forward", "jogs forwards, pumping the bent arms",
            "jogs forward at a moderate speed", "does a short jog in the direction they face", "trots ahead"],
    "run": ["runs forward", "runs fast straight ahead", "sprints forward", "breaks into a run",
            "runs ahead at full speed", "goes for a fast run forward", "sprints a short distance ahead",
            "runs forwards, pumping the arms hard", "runs quickly in the direction they face",
            "does a short sprint forward", "runs straight ahead with long strides", "takes off running forward",
            "is running fast"],
    "jump_in_place": ["jumps in place", "jumps up and down", "hops straight up on the spot",
                      "leaps up vertically and lands in the same place", "does a vertical jump",
                      "jumps upward with both feet",
                      "jumps straight up and lands on the same spot", "hops up in place with both feet",
                      "bends the knees and jumps upward", "jumps vertically, swinging the arms up",
                      "does a jump on the spot", "leaps upward without moving forward"],
    "jump_forward": ["jumps forward", "leaps forward with both feet", "does a long jump forward", "jumps ahead",
                     "bounds forward in a jump", "takes a standing jump forward",
                     "leaps ahead with the feet together", "jumps a short distance forward",
                     "does a two-footed jump forward", "swings the arms and jumps forward",
                     "hops forward with both feet", "jumps forward and lands on both feet"],
    "hop_one_foot": ["hops on one foot", "hops on one leg", "lifts a leg and hops on the other one",
                     "bounces up and down on a single foot", "does a few one-legged hops", "hops repeatedly on one foot",
                     "hops several times on a single leg", "bounces on one foot with the other foot raised",
                     "hops in place on one leg", "balances on one leg and hops",
                     "keeps one foot up and hops on the other", "hops on one leg with the arms held out for balance"],
    "kneel": ["kneels down", "goes down on one knee", "kneels on one knee and stands back up",
              "drops to one knee and gets up again", "gets down on one knee for a moment", "takes a knee",
              "steps forward and lowers the back knee to the floor", "kneels briefly, then rises",
              "bends down to kneel on one knee",
              "goes down to kneel and comes back up", "rests on one knee before standing again",
              "kneels on the floor and then stands up"],
    "squat": ["squats down", "does squats", "bends the knees into a squat and stands back up", "performs a few squats",
              "squats down and rises again", "does a squat exercise",
              "lowers into a squat and comes back up", "squats and stands up again", "does a few bodyweight squats",
              "bends both knees to squat, then straightens up", "drops the hips into a squat and rises",
              "works out with some squats"],
    "sit_down": ["sits down", "sits down on a chair", "lowers themselves onto a seat", "takes a seat",
                 "sits down and stays seated", "bends the knees and sits down",
                 "lowers themselves down to sit", "sits back onto a seat", "settles down into a chair",
                 "bends at the hips and knees to sit", "has a seat", "sits down and rests the hands on the thighs"],
    "stand_up": ["stands up", "gets up from a chair", "rises from a seated position", "stands up from sitting",
                 "pushes up from the seat and stands", "gets to their feet",
                 "stands up out of a chair", "rises to their feet", "leans forward and stands up from the seat",
                 "gets up from sitting", "gets out of the seat and stands", "goes from sitting to standing"],
    "lunge": ["does a lunge", "steps forward into a lunge", "performs lunges", "lunges forward and steps back",
              "does forward lunges", "drops into a lunge",
              "steps forward into a lunge and back again", "does a forward lunge and returns to standing",
              "lunges forward, bending both knees", "takes a big step forward and lowers the hips",
              "does a lunge exercise", "lunges ahead and pushes back to the start"],
    "bow": ["bows", "takes a bow", "bows politely", "bends forward at the waist in a bow", "gives a respectful bow",
            "bows forward and straightens up",
            "bows at the waist", "bows to greet someone", "leans forward in a bow and stands back up",
            "gives a polite bow", "bows the upper body forward", "bows as a sign of respect"],
    "touch_toes": ["bends over and touches their toes", "reaches down to touch the toes",
                   "bends forward to touch the feet", "stretches down toward the toes",
                   "folds forward and reaches for the toes", "bends down and touches the toes",
                   "reaches for the toes with both hands", "bends all the way down to the toes",
                   "touches the toes and straightens up again", "leans forward and reaches to the feet",
                   "does a toe touch stretch", "stretches the hamstrings by touching the toes"],
    "wave_right_hand": ["waves with the right hand", "waves hello with the right hand",
                        "raises the right hand and waves", "waves the right arm",
                        "greets someone by waving the right hand", "waves goodbye with the right hand",
                        "lifts the right hand and waves it", "waves to someone with the right hand",
                        "gives a wave with the right hand", "waves the right hand side to side",
                        "raises the right arm to wave at someone", "signals with a wave of the right hand"],
    "wave_left_hand": ["waves with the left hand", "waves hello with the left hand", "raises the left hand and waves",
                       "waves the left arm", "greets someone by waving the left hand",
                       "waves goodbye with the left hand",
                       "lifts the left hand and waves it", "waves to someone with the left hand",
                       "gives a wave with the left hand", "waves the left hand side to side",
                       "raises the left arm to wave at someone", "signals with a wave of the left hand"],
    "wave_both_hands": ["waves both hands", "waves with both arms overhead", "raises both hands and waves",
                        "waves both arms in the air", "waves hello using both hands",
                        "waves enthusiastically with both hands",
                        "waves with both hands raised", "raises both arms and waves them",
                        "waves both hands at head height", "greets someone by waving both hands",
                        "waves with two hands at once", "waves both hands to get someone's attention"],
    "raise_arms": ["raises both arms overhead", "lifts both arms above the head", "puts both hands up in the air",
                   "raises the arms up high", "lifts the arms over the head and lowers them",
                   "holds both arms up above the head",
                   "raises both hands above the head", "lifts the arms up over the head and brings them down",
                   "holds the arms up in the air, then lowers them", "raises both arms up toward the ceiling",
                   "lifts both hands up high", "puts both arms straight up"],
    "arm_circles": ["does arm circles", "circles both arms", "rotates the arms in circles",
                    "makes circles with outstretched arms", "swings the arms around in small circles",
                    "does arm circle exercises",
                    "holds the arms out to the sides and circles them", "makes small circles with both arms",
                    "does circular arm movements", "warms up the shoulders with arm circles",
                    "spins both arms around in circles", "draws circles in the air with both arms"],
    "clap": ["claps", "claps the hands", "applauds", "claps several times", "claps the hands together",
             "gives a round of applause",
             "claps the hands repeatedly", "applauds with both hands", "claps in front of the chest",
             "applauds someone", "claps along", "keeps clapping for a moment"],
    "punch_right": ["punches with the right hand", "throws a right punch", "punches forward with the right fist",
                    "jabs with the right arm", "strikes forward with the right hand",
                    "throws punches with the right fist",
                    "punches straight ahead with the right fist", "throws a punch with the right hand",
                    "boxes with the right arm", "raises the fists and jabs with the right hand",
                    "hits forward with the right fist", "strikes the air with the right fist"],
    "punch_left": ["punches with the left hand", "throws a left punch", "punches forward with the left fist",
                   "jabs with the left arm", "strikes forward with the left hand", "throws punches with the left fist",
                   "punches straight ahead with the left fist", "throws a punch with the left hand",
                   "boxes with the left arm", "raises the fists and jabs with the left hand",
                   "hits forward with the left fist", "strikes the air with the left fist"],
    "kick_right": ["kicks with the right leg", "kicks forward with the right foot",
                   "does a front kick with the right leg", "kicks the right leg out", "throws a right kick",
                   "kicks something with the right foot",
                   "kicks straight ahead with the right leg", "does a forward kick with the right foot",
                   "lifts the right knee and kicks forward", "kicks the air in front with the right leg",
                   "snaps a front kick with the right foot", "shifts the weight and kicks with the right leg"],
    "kick_left": ["kicks with the left leg", "kicks forward with the left foot", "does a front kick with the left leg",
                  "kicks the left leg out", "throws a left kick", "kicks something with the left foot",
                  "kicks straight ahead with the left leg", "does a forward kick with the left foot",
                  "lifts the left knee and kicks forward", "kicks the air in front with the left leg",
                  "snaps a front kick with the left foot", "shifts the weight and kicks with the left leg"],
    "throw_overhand": ["throws something overhand", "throws a ball overhand", "winds up and throws",
                       "makes an overhand throw", "throws an object over the shoulder", "pitches a ball",
                       "throws a ball", "hurls something overhand", "throws something forward overarm",
                       "draws the arm back and throws", "throws with a big overhand motion", "mimes throwing a ball"],
    "jumping_jacks": ["does jumping jacks", "performs jumping jacks", "does star jumps",
                      "jumps while spreading the arms and legs", "does a set of jumping jacks",
                      "jumps with arms and legs opening and closing",
                      "does a few jumping jacks", "jumps the feet apart and together while raising the arms",
                      "does jumping jack exercises", "warms up with jumping jacks", "does some star jumps",
                      "performs a series of jumping jacks"],
    "march_in_place": ["marches in place", "marches on the spot", "lifts the knees high, marching in place",
                       "steps in place like a soldier", "marches without moving forward", "does a march in place",
                       "marches on the spot, raising the knees", "marches in place swinging the arms",
                       "does a marching step without going anywhere",
                       "raises one knee then the other in a steady march", "marches in time on the spot",
                       "walks in place with high knees"],
    "reach_up_stretch": ["reaches up and stretches", "stretches the arms up high", "reaches toward the sky",
                         "stretches upward with both arms", "reaches overhead in a full body stretch",
                         "does a big upward stretch",
                         "stretches both arms toward the ceiling", "reaches up high and stretches the body",
                         "stretches tall with the hands overhead", "extends both arms upward in a stretch",
                         "lengthens the body by reaching upward", "does an overhead stretch"],
    "flap_arms": ["flaps the arms like wings", "flaps the arms like a bird", "pretends to fly by flapping the arms",
                  "moves the arms up and down like wings", "imitates a bird flapping its wings", "flaps both arms",
                  "flaps both arms up and down", "flutters the arms like wings",
                  "pretends to be a bird, flapping the arms", "beats the arms like a bird's wings",
                  "raises and lowers the arms like a flying bird", "flaps the arms out to the sides repeatedly"],
    "dance": ["dances", "dances, swaying side to side", "sways to music", "does a little dance",
              "dances while swinging the arms", "grooves to the music",
              "dances in place", "sways from side to side to a beat", "dances, shifting the weight from foot to foot",
              "moves rhythmically to music", "busts a few dance moves", "bops along to a song"],
    "stand_still": ["stands still", "stands in place", "stands without moving", "stands idle",
                    "waits while standing", "remains standing in place",
                    "stands quietly", "stands and does nothing", "remains motionless", "stands relaxed",
                    "just stands there", "waits in place without moving"],
    "look_around": ["looks around", "turns the head to look around", "looks left and right", "glances around",
                    "looks around curiously", "scans the surroundings",
                    "glances from side to side", "turns the head left and right", "looks about", "looks to both sides",
                    "surveys the area", "peers around in different directions"],
    "crouch": ["crouches down", "crouches low", "gets down into a crouch for a moment",
               "gets down into a crouching position", "ducks down into a crouch", "crouches and then stands back up",
               "crouches down low and rises again", "lowers into a deep crouch", "hunkers down for a moment",
               "gets low, then stands up again", "bends low into a crouch", "crouches close to the floor briefly"],
    "balance_one_leg": ["balances on one leg", "stands on one foot", "balances on one foot",
                        "lifts one leg and holds the balance", "stands on one leg", "holds a one-legged balance",
                        "stands balanced on a single leg", "raises one foot and balances",
                        "keeps balance on one leg for a moment", "picks up one foot and keeps steady on the other",
                        "holds still on one leg", "does a one-legged balance"],
}

NEUTRAL_SUBJECTS = ("a person", "someone", "the person", "a human", "a figure", "this person", "a person")
GENDERED_SUBJECTS = {"male": ("a man", "the man", "a guy"), "female": ("a woman", "the woman", "a lady")}
CONNECTORS = (", then ", " and then ", ", after that ", ", and afterwards ")
TRANSITION_CAPTION = "transition"

SIDE_WORDS = {"side": {"left": "left", "right": "right"}, "spin": {"left": "counterclockwise", "right": "clockwise"}}
_SLOT = re.compile(r"\{(side|spin)(\d*)\}")


def fill_sides(text: str, sides: Sequence[Optional[str]]) -> str:
    """Fill the side slots of a caption: ``{side}`` / ``{spin}`` from ``sides[0]``, and ``{sideI}`` /
    ``{spinI}`` (a chain's I-th action, ``chain_caption``) from ``sides[I]``.

    Args:
        sides: per action, the side its clip turned to ("left", "right"), or None for no turn.
    """
    def fill(match):
        index = int(match.group(2) or 0)
        side = sides[index] if index < len(sides) else None
        if side not in ("left", "right"):
            raise ValueError(f"caption {text!r} names the side of action {index}, whose clip has none ({side!r})")
        return SIDE_WORDS[match.group(1)][side]
    return _SLOT.sub(fill, text)


# Full sentences, neutral subjects cycled so that each action's captions differ in more than the verb;
# a predicate with side slots gives one sentence per side.
ACTION_CAPTIONS: Dict[str, List[str]] = {
    a: [f"{NEUTRAL_SUBJECTS[i % len(NEUTRAL_SUBJECTS)]} {text}" for i, text in
        enumerate(t for p in preds for t in dict.fromkeys(fill_sides(p, [s]) for s in ("left", "right")))]
    for a, preds in PREDICATES.items()
}


def sample_subject(rng: np.random.Generator, gender: Optional[str]) -> str:
    if gender in GENDERED_SUBJECTS and rng.random() < 0.35:
        options = GENDERED_SUBJECTS[gender]
    else:
        options = NEUTRAL_SUBJECTS
    return options[int(rng.integers(len(options)))]


def _predicate(action_id: str, rng: np.random.Generator, final: bool = True) -> str:
    """A predicate for ``action_id``; one that is followed by more actions never claims to stay put."""
    if action_id not in PREDICATES:
        raise KeyError(f"no captions for action {action_id!r}")
    preds = PREDICATES[action_id] if final else [p for p in PREDICATES[action_id] if "stays" not in p]
    return preds[int(rng.integers(len(preds)))]


def sample_caption(action_id: str, rng: np.random.Generator, gender: Optional[str] = None,
                   subject: Optional[str] = None) -> str:
    """One caption for ``action_id``; the subject matches ``gender`` some of the time. It may hold
    side slots (``fill_sides``)."""
    return f"{subject or sample_subject(rng, gender)} {_predicate(action_id, rng)}"


def chain_caption(action_ids: Sequence[str], rng: np.random.Generator, gender: Optional[str] = None,
                  subject: Optional[str] = None) -> str:
    """A sentence for a chain of actions: "a person walks forward, then sits down". The side slots of
    its I-th action are numbered ``{sideI}`` / ``{spinI}`` (``fill_sides``)."""
    subject = subject or sample_subject(rng, gender)
    preds = [_SLOT.sub(lambda m, i=i: f"{{{m.group(1)}{i}}}", _predicate(a, rng, final=i == len(action_ids) - 1))
             for i, a in enumerate(action_ids)]
    text = f"{subject} {preds[0]}"
    for i, p in enumerate(preds[1:], start=1):
        if i == len(preds) - 1 and len(preds) > 2:
            text += f", and finally {p}"
        else:
            text += CONNECTORS[int(rng.integers(len(CONNECTORS)))] + p
    return text
