"""Natural-language captions for the procedural actions.

Each action has several predicates written in the third person; a caption is a subject plus a
predicate ("a person" + "walks forward"). Sided actions always name the side, and name it from the
performer's point of view. ``ACTION_CAPTIONS`` lists the full sentences with neutral subjects;
``sample_caption`` may instead use a gendered subject matching the body's gender.
"""

from typing import Dict, List, Optional, Sequence

import numpy as np

PREDICATES: Dict[str, List[str]] = {
    "walk_forward": ["walks forward", "strolls straight ahead", "takes several steps forward",
                     "walks straight ahead at a steady pace", "moves forward on foot", "walks ahead in a straight line",
                     "paces forward"],
    "walk_backward": ["walks backward", "steps backwards", "takes several steps back", "backs up slowly",
                      "moves in reverse, walking backwards", "retreats backwards on foot"],
    "walk_circle": ["walks in a circle", "walks around in a full circle", "strolls along a circular path",
                    "circles around on foot", "walks a loop and ends up near the starting point",
                    "walks round in a circle"],
    "turn_left": ["turns to the left", "turns left in place", "rotates their body toward the left",
                  "makes a left turn on the spot", "pivots to the left", "steps around to face left"],
    "turn_right": ["turns to the right", "turns right in place", "rotates their body toward the right",
                   "makes a right turn on the spot", "pivots to the right", "steps around to face right"],
    "turn_around": ["turns around", "turns around to face the opposite direction", "does an about-face",
                    "turns to face backward", "turns all the way around", "turns back the way they came"],
    "side_step_left": ["side-steps to the left", "shuffles sideways to the left", "steps sideways toward their left",
                       "moves to the left with side steps", "sidesteps left", "slides sideways to the left side"],
    "side_step_right": ["side-steps to the right", "shuffles sideways to the right",
                        "steps sideways toward their right", "moves to the right with side steps", "sidesteps right",
                        "slides sideways to the right side"],
    "jog": ["jogs forward", "runs forward", "goes for a short jog", "runs straight ahead", "jogs at a steady pace",
            "breaks into a run", "trots forward at a running pace"],
    "jump_in_place": ["jumps in place", "jumps up and down", "hops straight up on the spot",
                      "leaps up vertically and lands in the same place", "does a vertical jump",
                      "jumps upward with both feet"],
    "jump_forward": ["jumps forward", "leaps forward with both feet", "does a long jump forward", "jumps ahead",
                     "bounds forward in a jump", "takes a standing jump forward"],
    "hop_one_foot": ["hops on one foot", "hops on one leg", "lifts a leg and hops on the other one",
                     "bounces up and down on a single foot", "does a few one-legged hops", "hops repeatedly on one foot"],
    "squat": ["squats down", "does squats", "bends the knees into a squat and stands back up", "performs a few squats",
              "squats down and rises again", "does a squat exercise"],
    "sit_down": ["sits down", "sits down on a chair", "lowers themselves onto a seat", "takes a seat",
                 "sits down and stays seated", "bends the knees and sits down"],
    "stand_up": ["stands up", "gets up from a chair", "rises from a seated position", "stands up from sitting",
                 "pushes up from the seat and stands", "gets to their feet"],
    "lunge": ["does a lunge", "steps forward into a lunge", "performs lunges", "lunges forward and steps back",
              "does forward lunges", "drops into a lunge"],
    "bow": ["bows", "takes a bow", "bows politely", "bends forward at the waist in a bow", "gives a respectful bow",
            "bows forward and straightens up"],
    "touch_toes": ["bends over and touches their toes", "reaches down to touch the toes",
                   "bends forward to touch the feet", "stretches down toward the toes",
                   "folds forward and reaches for the toes", "bends down and touches the toes"],
    "wave_right_hand": ["waves with the right hand", "waves hello with the right hand",
                        "raises the right hand and waves", "waves the right arm",
                        "greets someone by waving the right hand", "waves goodbye with the right hand"],
    "wave_left_hand": ["waves with the left hand", "waves hello with the left hand", "raises the left hand and waves",
                       "waves the left arm", "greets someone by waving the left hand",
                       "waves goodbye with the left hand"],
    "wave_both_hands": ["waves both hands", "waves with both arms overhead", "raises both hands and waves",
                        "waves both arms in the air", "waves hello using both hands",
                        "waves enthusiastically with both hands"],
    "raise_arms": ["raises both arms overhead", "lifts both arms above the head", "puts both hands up in the air",
                   "raises the arms up high", "lifts the arms over the head and lowers them",
                   "holds both arms up above the head"],
    "arm_circles": ["does arm circles", "circles both arms", "rotates the arms in circles",
                    "makes circles with outstretched arms", "swings the arms around in small circles",
                    "does arm circle exercises"],
    "clap": ["claps", "claps the hands", "applauds", "claps several times", "claps the hands together",
             "gives a round of applause"],
    "punch_right": ["punches with the right hand", "throws a right punch", "punches forward with the right fist",
                    "jabs with the right arm", "strikes forward with the right hand",
                    "throws punches with the right fist"],
    "punch_left": ["punches with the left hand", "throws a left punch", "punches forward with the left fist",
                   "jabs with the left arm", "strikes forward with the left hand", "throws punches with the left fist"],
    "kick_right": ["kicks with the right leg", "kicks forward with the right foot",
                   "does a front kick with the right leg", "kicks the right leg out", "throws a right kick",
                   "kicks something with the right foot"],
    "kick_left": ["kicks with the left leg", "kicks forward with the left foot", "does a front kick with the left leg",
                  "kicks the left leg out", "throws a left kick", "kicks something with the left foot"],
    "throw_overhand": ["throws something overhand", "throws a ball overhand", "winds up and throws",
                       "makes an overhand throw", "throws an object over the shoulder", "pitches a ball"],
    "jumping_jacks": ["does jumping jacks", "performs jumping jacks", "does star jumps",
                      "jumps while spreading the arms and legs", "does a set of jumping jacks",
                      "jumps with arms and legs opening and closing"],
    "march_in_place": ["marches in place", "marches on the spot", "lifts the knees high, marching in place",
                       "steps in place like a soldier", "marches without moving forward", "does a march in place"],
    "reach_up_stretch": ["reaches up and stretches", "stretches the arms up high", "reaches toward the sky",
                         "stretches upward with both arms", "reaches overhead in a full body stretch",
                         "does a big upward stretch"],
    "flap_arms": ["flaps the arms like wings", "flaps the arms like a bird", "pretends to fly by flapping the arms",
                  "moves the arms up and down like wings", "imitates a bird flapping its wings", "flaps both arms"],
    "dance": ["dances", "dances, swaying side to side", "sways to music", "does a little dance",
              "dances while swinging the arms", "grooves to the music"],
    "stand_still": ["stands still", "stands in place", "stands without moving", "stands idle",
                    "waits while standing", "remains standing in place"],
    "look_around": ["looks around", "turns the head to look around", "looks left and right", "glances around",
                    "looks around curiously", "scans the surroundings"],
    "crouch": ["crouches down", "crouches low", "gets down into a crouch for a moment",
               "gets down into a crouching position", "ducks down into a crouch", "crouches and then stands back up"],
    "balance_one_leg": ["balances on one leg", "stands on one foot", "balances on one foot",
                        "lifts one leg and holds the balance", "stands on one leg", "holds a one-legged balance"],
}

NEUTRAL_SUBJECTS = ("a person", "someone", "the person", "a human", "a figure", "this person", "a person")
GENDERED_SUBJECTS = {"male": ("a man", "the man", "a guy"), "female": ("a woman", "the woman", "a lady")}
CONNECTORS = (", then ", " and then ", ", after that ", ", and afterwards ")
TRANSITION_CAPTION = "transition"

# Full sentences, neutral subjects cycled so that each action's captions differ in more than the verb.
ACTION_CAPTIONS: Dict[str, List[str]] = {
    a: [f"{NEUTRAL_SUBJECTS[i % len(NEUTRAL_SUBJECTS)]} {p}" for i, p in enumerate(preds)]
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
    """One caption for ``action_id``; the subject matches ``gender`` some of the time."""
    return f"{subject or sample_subject(rng, gender)} {_predicate(action_id, rng)}"


def chain_caption(action_ids: Sequence[str], rng: np.random.Generator, gender: Optional[str] = None,
                  subject: Optional[str] = None) -> str:
    """A sentence for a chain of actions: "a person walks forward, then sits down"."""
    subject = subject or sample_subject(rng, gender)
    preds = [_predicate(a, rng, final=i == len(action_ids) - 1) for i, a in enumerate(action_ids)]
    text = f"{subject} {preds[0]}"
    for i, p in enumerate(preds[1:], start=1):
        if i == len(preds) - 1 and len(preds) > 2:
            text += f", and finally {p}"
        else:
            text += CONNECTORS[int(rng.integers(len(CONNECTORS)))] + p
    return text
