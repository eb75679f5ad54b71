"""Caption paraphrasing for training (EDA, Wei & Zou 2019 "Easy Data Augmentation"), for motion captions.

``augment_caption(text, rng)`` returns a reworded caption; each operation fires with a small
probability (``AugmentProbs``):
    * subject: a leading subject ("a person", "the man", "someone", ...) becomes another
      third-person-singular one ("somebody", "the actor", "she", ...); one that disagrees with
      the caption's gendered pronouns (his / her) is never chosen;
    * synonym: a lexicon phrase becomes another of its group ("walks forward" -> "moves ahead
      on foot", "hand" -> "arm", "chair" -> "stool"); verb groups are written in the third person
      singular and also match their bare form where an imperative or infinitive can stand
      ("walk forward and turn left", "to turn") and their -ing form after "is", "while", ...;
    * insertion: one neutral modifier ("casually", "for a moment", "a few times") at the end
      of a clause, or an -ly adverb just before the verb; not when the caption already has one
      of its kind ("slowly" is not added to "walks quickly");
    * deletion: a filler ("the", "then" after "," / "and", "just", a few adverbs).

Invariants: side words (``is_side_word``: left, right, leftward, left-hand(ed), clockwise,
counterclockwise, anticlockwise, ...), quantity words (both, one, two, single, ...) and
numbers are never replaced, deleted or moved: every lexicon group names the same protected
words in the same order in all of its phrases, so a phrase swap carries them along (the output
names the same sides in the same order). Clause order never changes; output is non-empty,
single-spaced, lowercase where the input is (a leading capital is kept), and equal to the input
when every probability is 0. Words with capitals inside a caption ("T-pose") are left alone.

The lexicon below was written by hand for this project, grouped by concept.
"""

import random
import re
from dataclasses import dataclass
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

# ------------------------------------------------------------------ lexicon: subjects
NEUTRAL_SUBJECTS = (
    "a person", "the person", "this person", "that person", "someone", "somebody", "a human", "the human",
    "a figure", "the figure", "a human figure", "an individual", "the individual", "a character", "the character",
    "a subject", "the subject", "an actor", "the actor", "an adult", "a child", "a kid", "a performer",
    "the performer", "the avatar",
)
MALE_SUBJECTS = ("a man", "the man", "this man", "he", "a guy", "the guy", "a boy", "the boy", "a young man",
                 "a gentleman")
FEMALE_SUBJECTS = ("a woman", "the woman", "this woman", "she", "a lady", "the lady", "a girl", "the girl",
                   "a young woman")
_MALE_PRONOUNS = frozenset({"his", "him", "himself"})
_FEMALE_PRONOUNS = frozenset({"her", "hers", "herself"})

# ------------------------------------------------------------------ lexicon: verb phrases
# Third person singular; the first word is the verb (bare and -ing forms are derived).
VERB_GROUPS: List[List[str]] = [
    # walking, stepping
    ["walks", "strolls", "ambles"],
    ["walks forward", "walks forwards", "walks ahead", "moves forward on foot", "moves ahead on foot",
     "goes forward on foot", "strolls forward", "strolls ahead", "heads forward on foot"],
    ["walks straight ahead", "walks straight forward", "walks directly ahead", "walks ahead in a straight line",
     "walks forward in a straight line", "walks in a straight line"],
    ["walks backward", "walks backwards", "walks in reverse", "moves backward on foot", "moves backwards on foot",
     "goes backward on foot"],
    ["steps forward", "steps forwards", "steps ahead", "takes a step forward", "moves a step forward"],
    ["steps back", "steps backward", "steps backwards", "takes a step back", "takes a step backward",
     "moves a step back"],
    ["steps", "treads"],
    ["backs up", "backs away", "retreats"],
    ["walks in a circle", "walks around in a circle", "walks in a loop", "walks a full circle",
     "walks along a circular path", "circles around on foot", "walks round in a circle", "walks a circular path"],
    ["walks around", "wanders around", "strolls around", "walks about", "wanders about", "roams around"],
    ["walks back and forth", "paces back and forth", "walks to and fro", "paces to and fro"],
    ["walks up the stairs", "climbs the stairs", "goes up the stairs", "walks upstairs", "goes upstairs",
     "ascends the stairs", "climbs up the stairs"],
    ["walks down the stairs", "goes down the stairs", "walks downstairs", "goes downstairs", "descends the stairs",
     "comes down the stairs"],
    ["climbs up", "clambers up", "scrambles up"],
    ["climbs down", "clambers down", "scrambles down"],
    ["climbs", "clambers"],
    ["tiptoes", "walks on tiptoe", "walks on tiptoes", "walks on the toes", "walks on their toes", "tiptoes along"],
    ["limps", "hobbles", "walks with a limp"],
    ["staggers", "totters", "reels", "lurches", "wobbles"],
    ["trips", "stumbles"],
    ["sneaks", "creeps", "slinks", "prowls"],
    ["marches in place", "marches on the spot", "marches in position", "marches where they stand"],
    ["marches forward", "marches forwards", "marches ahead"],
    ["steps in place", "steps on the spot", "treads in place", "treads on the spot", "marks time"],
    ["strides", "takes long steps", "takes big steps"],
    ["skips", "skips along"],
    ["gallops", "gallops along"],
    ["slides", "glides"],
    ["shuffles", "shambles"],
    ["sidesteps", "side-steps", "steps sideways", "shuffles sideways", "moves sideways", "steps to the side"],
    ["crawls", "crawls along"],
    ["crawls on all fours", "crawls on hands and knees", "moves on all fours", "moves on hands and knees",
     "goes on all fours"],
    ["swims", "makes swimming motions", "does a swimming motion", "does swimming strokes"],
    ["approaches", "walks up to", "comes up to", "goes up to", "moves toward", "heads toward", "heads towards"],
    ["returns", "goes back", "comes back", "heads back"],
    ["moves", "shifts"],
    ["moves forward", "moves forwards", "moves ahead", "goes forward", "goes ahead", "heads forward", "advances",
     "proceeds forward", "travels forward"],
    ["moves backward", "moves backwards", "moves back", "goes backward", "goes backwards", "moves in reverse",
     "travels backward"],
    ["stops", "halts"],
    ["comes to a stop", "comes to a halt", "stops moving"],
    ["starts", "begins"],
    ["tries", "attempts"],
    ["finishes", "completes"],
    # running
    ["runs", "jogs", "trots"],
    ["runs forward", "runs forwards", "runs ahead", "jogs forward", "jogs forwards", "jogs ahead", "trots forward"],
    ["runs backward", "runs backwards", "jogs backward", "jogs backwards", "runs in reverse"],
    ["runs in place", "runs on the spot", "jogs in place", "jogs on the spot"],
    ["runs in a circle", "jogs in a circle", "runs around in a circle", "runs in a loop", "jogs in a loop"],
    ["runs around", "jogs around", "runs about"],
    ["sprints", "races", "dashes", "runs fast", "runs at full speed"],
    ["hurries", "rushes", "hastens"],
    # jumping, hopping
    ["jumps", "leaps", "springs"],
    ["jumps up", "leaps up", "springs up", "jumps upward", "jumps upwards", "leaps upward", "jumps into the air",
     "leaps into the air"],
    ["jumps forward", "jumps forwards", "jumps ahead", "leaps forward", "leaps ahead", "springs forward",
     "bounds forward", "hops forward"],
    ["jumps backward", "jumps backwards", "leaps backward", "leaps backwards", "jumps back", "hops backward",
     "hops back"],
    ["jumps in place", "jumps on the spot", "jumps where they stand", "leaps in place", "springs up in place"],
    ["jumps up and down", "bounces up and down", "hops up and down"],
    ["jumps sideways", "leaps sideways", "hops sideways", "jumps to the side", "leaps to the side"],
    ["jumps over", "leaps over", "hops over", "vaults over"],
    ["jumps onto", "leaps onto", "hops onto", "springs onto"],
    ["hops", "bounces"],
    ["does jumping jacks", "performs jumping jacks", "does star jumps", "does jumping jack exercises",
     "performs star jumps", "does some jumping jacks"],
    ["does a jump", "makes a jump", "performs a jump", "takes a jump"],
    ["skips rope", "jumps rope", "does jump rope", "skips with a rope", "jumps with a rope"],
    # squatting, crouching, kneeling, sitting, lying
    ["squats", "squats down", "drops into a squat", "goes down into a squat", "sinks into a squat",
     "gets down into a squat"],
    ["does a squat", "performs a squat", "completes a squat"],
    ["does squats", "performs squats", "does squat exercises", "does some squats", "does a set of squats"],
    ["crouches", "crouches down", "gets into a crouch", "hunkers down", "gets down into a crouch",
     "drops into a crouch", "goes into a crouch"],
    ["kneels", "kneels down", "gets down on the knees", "goes down on the knees", "drops to the knees",
     "gets down on their knees", "drops to their knees"],
    ["ducks", "ducks down", "ducks low"],
    ["gets down", "goes down", "drops down"],
    ["sits down", "takes a seat", "has a seat", "settles down", "sits themselves down", "seats themselves"],
    ["sits", "is seated"],
    ["sits on", "sits down on", "takes a seat on", "settles onto", "sits upon"],
    ["sits cross-legged", "sits with crossed legs", "sits with the legs crossed"],
    ["stands up", "gets up", "rises", "gets to their feet", "rises to their feet", "rises up",
     "comes to a standing position", "rises to standing"],
    ["stands up from a chair", "gets up from a chair", "rises from a chair", "gets out of a chair",
     "stands up out of a chair", "gets up out of a chair"],
    ["straightens up", "stands back up", "returns to standing", "comes back up", "rises back up",
     "stands upright again", "straightens the body"],
    ["stands still", "stands motionless", "stands without moving", "remains still", "stays still", "keeps still",
     "holds still", "stays motionless", "remains motionless", "stands perfectly still", "does not move"],
    ["stands idle", "stays idle", "remains idle", "idles", "stands around"],
    ["stands in place", "stands on the spot", "stands where they are", "stays in place", "remains in place"],
    ["stands", "remains standing"],
    ["waits", "pauses", "lingers"],
    ["rests", "relaxes"],
    ["takes a rest", "takes a break", "has a rest"],
    ["lies down", "lies flat", "lays down", "reclines", "lies down flat"],
    ["lies", "lays"],
    ["gets up from the floor", "gets up off the floor", "rises from the floor", "gets up off the ground",
     "gets up from the ground", "rises from the ground", "picks themselves up off the floor"],
    ["rolls over", "turns over"],
    ["falls", "tumbles", "topples"],
    ["falls down", "falls over", "collapses", "topples over", "drops to the ground", "falls to the ground",
     "falls to the floor"],
    ["cartwheels", "does a cartwheel", "performs a cartwheel", "turns a cartwheel"],
    ["somersaults", "does a somersault", "does a forward roll", "rolls forward"],
    ["does a handstand", "performs a handstand", "goes into a handstand", "stands on the hands"],
    # bending, leaning, stretching, exercise
    ["bends forward", "bends over", "bends down", "folds forward", "bends at the waist", "stoops", "stoops down",
     "stoops over", "leans down", "bends over forward", "hinges at the hips"],
    ["bends the knees", "flexes the knees", "bends at the knees", "bends their knees"],
    ["bends backward", "bends backwards", "bends back", "arches backward", "arches backwards", "leans way back"],
    ["leans forward", "leans forwards", "tilts forward", "inclines forward", "tips forward"],
    ["leans back", "leans backward", "leans backwards", "tilts back", "tilts backward"],
    ["leans to the side", "tilts to the side", "leans sideways", "tilts sideways", "bends to the side",
     "bends sideways"],
    ["leans to the", "tilts to the", "bends to the", "leans over to the", "leans toward the", "leans towards the"],
    ["leans on", "leans against", "rests against", "leans upon"],
    ["does a stretch", "has a stretch", "does some stretching", "stretches the body", "stretches the whole body"],
    ["stretches the arms", "extends the arms", "stretches out the arms", "stretches their arms",
     "extends their arms"],
    ["stretches the legs", "extends the legs", "stretches out the legs", "stretches their legs"],
    ["warms up", "does a warm-up", "limbers up", "loosens up", "does a warmup"],
    ["works out", "exercises", "trains", "does a workout", "does some exercise", "does exercises"],
    ["lunges", "does a lunge", "performs a lunge", "steps into a lunge", "drops into a lunge", "goes into a lunge",
     "sinks into a lunge"],
    ["lunges forward", "lunges ahead", "does a forward lunge", "steps forward into a lunge", "lunges to the front"],
    ["does lunges", "performs lunges", "does lunge exercises", "does some lunges"],
    ["does push-ups", "does push ups", "does pushups", "performs push-ups", "does press-ups"],
    ["does sit-ups", "does sit ups", "does situps", "performs sit-ups", "does crunches"],
    ["does a toe touch", "does a toe touch stretch", "touches the toes", "touches their toes",
     "reaches down to the toes", "reaches for the toes", "reaches down to touch the toes",
     "touches the tips of the toes"],
    ["twists the torso", "rotates the torso", "twists the upper body", "rotates the upper body",
     "twists at the waist", "turns the torso", "turns the upper body", "twists the trunk"],
    ["arches the back", "arches their back", "curves the back", "bends the back"],
    ["rolls the shoulders", "rolls their shoulders", "circles the shoulders", "rotates the shoulders"],
    ["shrugs", "gives a shrug", "shrugs the shoulders", "shrugs their shoulders", "lifts the shoulders in a shrug"],
    ["does yoga", "practices yoga", "does some yoga"],
    ["does tai chi", "practices tai chi", "does some tai chi"],
    ["meditates", "sits in meditation"],
    # turning, spinning, looking
    ["turns", "rotates", "pivots", "swivels"],
    ["turns around", "turns round", "turns all the way around", "turns to face the other way",
     "turns to face the opposite direction", "does an about-face", "turns back around", "faces the other way",
     "turns to face backward", "wheels around", "turns about"],
    ["spins", "twirls", "whirls"],
    ["spins around", "spins in place", "twirls around", "whirls around", "spins on the spot", "does a full turn",
     "does a full spin", "turns a full circle", "makes a full turn"],
    ["turns the head", "turns their head", "rotates the head", "swivels the head"],
    ["tilts the head", "tilts their head", "cocks the head", "tips the head"],
    ["rolls the head", "rolls their head", "circles the head", "rotates the neck"],
    ["nods", "nods the head", "nods their head", "bobs the head", "gives a nod"],
    ["shakes the head", "shakes their head"],
    ["looks", "glances", "peers"],
    ["looks like", "seems like"],
    ["looks around", "glances around", "looks about", "looks all around", "peers around", "scans the surroundings",
     "surveys the surroundings"],
    ["looks up", "glances up", "looks upward", "looks upwards", "gazes up"],
    ["looks down", "glances down", "looks downward", "looks downwards", "gazes down"],
    ["looks back", "glances back", "looks behind", "looks over the shoulder"],
    # arms and hands
    ["raises", "lifts", "brings up", "puts up", "elevates"],
    ["lowers", "drops", "brings down", "puts down"],
    ["lowers into", "drops down into", "sinks down into", "goes down into"],
    ["lowers themselves", "lowers their body", "brings their body down", "lowers the body"],
    ["raises the arms", "lifts the arms", "puts the arms up", "puts their arms up", "raises their arms",
     "lifts their arms"],
    ["raises the hands", "lifts the hands", "puts the hands up", "puts their hands up", "raises their hands",
     "holds the hands up", "throws the hands up"],
    ["waves hello", "waves hi", "waves a greeting", "waves in greeting", "waves to say hello",
     "says hello with a wave", "greets with a wave"],
    ["waves goodbye", "waves bye", "waves farewell", "waves to say goodbye", "says goodbye with a wave"],
    ["waves with", "waves using", "gives a wave with", "does a wave with", "makes a waving motion with"],
    ["waves at someone", "waves to someone", "waves at somebody", "waves to somebody", "waves at a friend",
     "waves to a friend"],
    ["waves the arms", "waves their arms", "waves the arms around"],
    ["waves both hands", "waves with both hands", "waves using both hands", "waves both arms",
     "waves with both arms"],
    ["greets someone", "greets somebody", "says hello to someone", "says hi to someone"],
    ["greets", "welcomes", "hails"],
    ["salutes", "gives a salute", "does a salute", "makes a salute"],
    ["claps", "applauds"],
    ["claps the hands", "claps the hands together", "claps their hands", "claps their hands together",
     "brings the hands together", "smacks the hands together", "strikes the hands together"],
    ["gives a round of applause", "gives some applause", "gives applause"],
    ["punches", "jabs", "throws a punch", "throws a jab", "strikes out"],
    ["punches the air", "jabs at the air", "strikes the air", "punches into the air", "hits the air",
     "boxes the air", "jabs the air"],
    ["throws punches", "throws jabs", "punches repeatedly", "throws a series of punches", "throws several punches"],
    ["boxes", "spars", "shadowboxes", "does shadow boxing"],
    ["hits", "strikes", "smacks", "whacks"],
    ["kicks out", "kicks outward", "kicks outwards"],
    ["kicks forward", "kicks forwards", "kicks ahead", "kicks to the front", "does a front kick",
     "does a forward kick", "throws a front kick", "performs a front kick", "snaps a front kick",
     "kicks straight ahead"],
    ["throws a kick", "does a kick", "performs a kick", "delivers a kick", "lets out a kick"],
    ["kicks the air", "kicks at the air", "kicks into the air"],
    ["kicks a ball", "kicks the ball", "boots a ball", "boots the ball"],
    ["kicks something", "kicks an object", "kicks at something"],
    ["stomps", "stamps"],
    ["stomps the foot", "stamps the foot", "stomps their foot", "stamps their foot", "bangs the foot down"],
    ["taps", "pats"],
    ["throws a ball", "tosses a ball", "hurls a ball", "pitches a ball", "flings a ball", "lobs a ball",
     "throws the ball", "tosses the ball"],
    ["throws something", "tosses something", "hurls something", "flings something", "throws an object",
     "tosses an object", "throws an item"],
    ["throws overhand", "throws overarm", "makes an overhand throw"],
    ["winds up and throws", "winds up for a throw", "draws back and throws", "pulls back and throws"],
    ["catches a ball", "catches the ball", "receives a ball"],
    ["picks up", "lifts up"],
    ["picks something up", "lifts something up", "picks up something", "picks up an object", "lifts up an object",
     "picks up an item"],
    ["grabs", "grasps", "seizes", "takes hold of", "grips", "clutches"],
    ["puts", "places"],
    ["carries", "totes", "lugs", "hauls"],
    ["pushes", "shoves", "presses"],
    ["pulls", "tugs", "drags", "yanks"],
    ["reaches up", "reaches upward", "reaches upwards", "stretches up", "stretches upward", "stretches upwards",
     "reaches overhead", "reaches up high", "reaches high"],
    ["reaches out", "reaches outward", "reaches forward", "stretches forward"],
    ["reaches for", "reaches toward", "reaches towards", "reaches out for", "stretches toward", "reaches out to"],
    ["reaches down", "reaches downward", "stretches down", "reaches toward the floor", "reaches to the floor"],
    ["points at", "points to", "points toward", "points towards", "points a finger at"],
    ["gestures", "motions", "signals"],
    ["rubs", "massages"],
    ["wipes", "cleans"],
    ["drinks from", "sips from", "takes a sip from", "takes a drink from", "drinks out of"],
    ["drinks", "sips"],
    ["eats", "munches on"],
    ["hugs", "embraces", "gives a hug to"],
    ["flaps", "flutters"],
    ["flaps the arms", "flaps their arms", "flutters the arms", "beats the arms"],
    ["flaps the arms like wings", "flaps the arms like a bird", "moves the arms like wings",
     "flaps the arms as if flying"],
    ["does arm circles", "circles the arms", "rotates the arms in circles", "makes circles with the arms",
     "moves the arms in circles", "swings the arms in circles", "does arm rotations", "circles their arms",
     "does circular arm movements"],
    ["swings the arms", "swings their arms", "moves the arms back and forth", "swings the arms back and forth"],
    ["sways", "rocks"],
    ["sways side to side", "sways from side to side", "rocks side to side", "rocks from side to side"],
    ["spreads the arms", "opens the arms", "spreads the arms wide", "opens the arms wide", "spreads their arms",
     "holds the arms out wide", "stretches the arms out wide"],
    ["crosses the arms", "folds the arms", "crosses their arms", "folds their arms"],
    ["crosses the legs", "crosses their legs"],
    ["puts the hands on the hips", "places the hands on the hips", "puts their hands on their hips",
     "rests the hands on the hips", "sets the hands on the hips"],
    ["extends", "straightens", "stretches out"],
    ["bends the arms", "flexes the arms", "bends the elbows", "flexes the elbows", "bends their arms"],
    ["flexes", "tenses"],
    ["clenches the fists", "clenches their fists", "makes fists", "balls the hands into fists"],
    ["shakes", "jiggles", "wiggles"],
    ["shakes hands", "shakes someone's hand", "gives a handshake"],
    ["covers the face", "covers their face", "hides the face"],
    ["scratches the head", "scratches their head", "rubs the head"],
    ["answers the phone", "picks up the phone", "takes a call", "answers a call"],
    ["talks on the phone", "speaks on the phone", "chats on the phone"],
    ["checks the watch", "looks at the watch", "glances at the watch", "checks the time"],
    ["opens", "pulls open"],
    ["closes", "shuts"],
    ["knocks on", "raps on", "bangs on"],
    ["steps onto", "steps up onto", "climbs onto", "gets up onto", "steps up on"],
    ["steps off", "steps down from", "gets down from", "climbs down from"],
    ["steps over", "steps across", "strides over"],
    ["dodges", "evades"],
    ["jerks", "twitches"],
    ["flinches", "recoils"],
    ["shivers", "trembles", "shakes with cold"],
    # play, dance, gesture, everyday
    ["plays the guitar", "plays guitar", "strums a guitar", "strums the guitar"],
    ["plays the violin", "plays violin", "plays a violin"],
    ["plays the drums", "plays drums", "drums", "beats the drums", "plays a drum"],
    ["swings a golf club", "takes a golf swing", "does a golf swing", "swings a club"],
    ["swings a bat", "swings a baseball bat", "takes a swing with a bat"],
    ["shoots a basket", "shoots a basketball", "takes a shot at the hoop"],
    ["dribbles a ball", "bounces a ball", "dribbles the ball", "bounces the ball"],
    ["rides a bike", "rides a bicycle", "cycles", "pedals a bike"],
    ["paddles", "rows"],
    ["stirs", "mixes"],
    ["cuts", "chops", "slices"],
    ["digs", "shovels"],
    ["writes", "scribbles"],
    ["laughs", "chuckles", "giggles"],
    ["cries", "sobs", "weeps"],
    ["celebrates", "cheers", "rejoices"],
    ["dances", "grooves", "boogies", "busts a move", "dances around"],
    ["does a little dance", "does a short dance", "does a small dance", "performs a little dance"],
    ["dances in place", "dances on the spot", "dances where they stand"],
    ["moves rhythmically", "moves to the beat", "moves to the rhythm", "moves in time to music"],
    ["bows", "takes a bow", "gives a bow", "makes a bow", "bows down", "performs a bow"],
    ["bows forward", "bends forward in a bow", "leans forward in a bow", "bows at the waist", "bows from the waist",
     "bends at the waist in a bow"],
    ["curtsies", "does a curtsy", "gives a curtsy", "makes a curtsy"],
    ["balances", "keeps balance", "stays balanced", "keeps their balance", "holds the balance", "keeps the balance",
     "maintains balance", "holds their balance"],
    ["stands on one leg", "stands on one foot", "balances on one leg", "balances on one foot", "stays on one leg",
     "stays on one foot"],
    ["hops on one foot", "hops on one leg", "bounces on one foot", "bounces on one leg", "hops along on one foot",
     "jumps on one foot", "jumps on one leg"],
    ["lifts one leg", "raises one leg", "lifts one foot", "raises one foot", "picks up one foot",
     "brings up one leg"],
    ["pretends to", "makes as if to", "acts as if to"],
    ["imitates", "mimics", "copies", "mimes", "impersonates"],
    ["acts like", "behaves like", "moves like"],
    ["performs", "carries out", "executes", "does"],
    ["uses", "employs"],
]

# Verb phrases naming a side; "{s}" is instantiated with "left" and with "right" (separate groups).
SIDED_VERB_GROUPS: List[List[str]] = [
    ["turns {s}", "turns to the {s}", "makes a {s} turn", "turns toward the {s}", "turns towards the {s}",
     "pivots to the {s}", "rotates to the {s}", "does a {s} turn"],
    ["turns to face {s}", "turns to face the {s}", "rotates to face the {s}"],
    ["sidesteps {s}", "sidesteps to the {s}", "side-steps to the {s}", "steps sideways to the {s}",
     "shuffles sideways to the {s}", "moves sideways to the {s}", "steps to the {s} side"],
    ["looks {s}", "looks to the {s}", "glances {s}", "glances to the {s}", "looks toward the {s}",
     "looks over to the {s}"],
    ["leans {s}", "leans to the {s}", "tilts to the {s}", "leans toward the {s}"],
    ["throws a {s} punch", "throws a {s} jab", "delivers a {s} punch", "lands a {s} punch",
     "punches with the {s} fist", "jabs with the {s} fist"],
    ["throws a {s} kick", "does a {s} kick", "delivers a {s} kick", "kicks with the {s} leg",
     "kicks with the {s} foot", "kicks using the {s} leg", "kicks out with the {s} leg"],
    ["stands on the {s} leg", "stands on the {s} foot", "balances on the {s} leg", "balances on the {s} foot"],
    ["hops on the {s} foot", "hops on the {s} leg", "bounces on the {s} foot"],
    ["raises the {s} knee", "lifts the {s} knee", "brings up the {s} knee", "pulls up the {s} knee"],
    ["lies on the {s} side", "lies on their {s} side", "rests on the {s} side"],
]

# ------------------------------------------------------------------ lexicon: other words
OTHER_GROUPS: List[List[str]] = [
    # directions and paths
    ["forward", "forwards"], ["backward", "backwards"], ["upward", "upwards"], ["downward", "downwards"],
    ["toward", "towards"], ["sideways", "laterally", "sidewards"], ["outward", "outwards"], ["inward", "inwards"],
    ["straight ahead", "directly ahead", "straight forward", "dead ahead"],
    ["overhead", "above the head", "over the head", "above their head", "over their head"],
    ["up high", "high up", "way up"],
    ["in the air", "up in the air"], ["into the air", "up into the air"],
    ["in front of them", "in front of themselves", "in front of the body"],
    ["in front", "at the front"],
    ["behind them", "behind themselves", "behind the body", "to the rear"],
    ["in place", "on the spot", "in position", "where they stand"],
    ["on foot", "by foot"],
    ["in a circle", "in a loop", "around in a circle", "along a circular path", "in a circular path"],
    ["in a straight line", "in a line", "along a straight line"],
    ["back and forth", "to and fro", "backward and forward", "backwards and forwards"],
    ["side to side", "from side to side"],
    ["up and down", "upward and downward", "upwards and downwards"],
    ["a short distance", "a little way", "a few steps", "a small distance", "a short way"],
    ["a long distance", "a long way", "a great distance"],
    ["all the way", "completely", "fully"],
    # manner, speed, time
    ["a little", "a bit", "slightly", "somewhat"],
    ["slowly", "at a slow pace", "unhurriedly", "without hurrying", "at a leisurely pace"],
    ["quickly", "rapidly", "swiftly", "fast", "at a fast pace", "at a quick pace", "speedily", "hurriedly"],
    ["at a normal speed", "at a normal pace", "at a regular pace", "at an ordinary pace", "at a usual pace"],
    ["at a moderate speed", "at a moderate pace", "at a medium pace", "at a medium speed"],
    ["steadily", "at a steady pace", "at an even pace", "evenly", "at a constant pace"],
    ["carefully", "cautiously", "with care", "attentively"],
    ["gently", "softly", "lightly"],
    ["briefly", "for a moment", "for a short time", "momentarily", "for a brief moment", "for a little while"],
    ["repeatedly", "several times", "a few times", "over and over", "again and again", "multiple times"],
    ["continuously", "constantly", "without stopping", "nonstop", "the whole time"],
    ["casually", "in a relaxed way", "in a relaxed manner", "leisurely"],
    ["energetically", "vigorously", "with energy", "enthusiastically", "with enthusiasm", "eagerly"],
    ["smoothly", "fluidly", "gracefully"],
    ["suddenly", "abruptly", "all of a sudden", "sharply"],
    ["again", "once more", "another time"],
    ["naturally", "normally", "in a natural way"],
    ["politely", "courteously", "respectfully"],
    ["happily", "cheerfully", "joyfully", "gleefully"],
    ["angrily", "furiously", "aggressively", "fiercely"],
    ["tiredly", "wearily", "sluggishly"],
    ["awkwardly", "clumsily", "ungracefully"],
    ["confidently", "assertively", "boldly"],
    ["quietly", "silently", "noiselessly"],
    ["firmly", "forcefully", "powerfully"],
    ["just", "simply", "merely"],
    ["at the same time", "simultaneously", "at once"],
    # connectives (clause order is kept)
    ["then", "after that", "afterwards", "next", "after this"],
    ["and then", "and after that", "and afterwards", "and next"],
    ["and finally", "and lastly", "and eventually", "and at the end"],
    ["finally", "lastly", "eventually", "in the end"],
    ["while", "whilst"],
    # body parts (within a limb)
    ["hand", "arm"], ["hands", "arms"], ["foot", "leg"], ["feet", "legs"],
    ["torso", "upper body", "trunk"], ["hips", "pelvis"], ["belly", "stomach", "tummy", "abdomen"],
    ["thigh", "upper leg"], ["thighs", "upper legs"], ["shins", "lower legs"], ["forearm", "lower arm"],
    ["buttocks", "backside", "rear end"], ["whole body", "entire body", "full body"],
    ["with one hand", "using one hand", "with just one hand"],
    ["with both hands", "using both hands", "with both arms", "using both arms"],
    ["with both feet", "using both feet", "with both legs"],
    # objects and people
    ["chair", "seat", "stool"], ["chairs", "seats", "stools"], ["floor", "ground"], ["sky", "ceiling"],
    ["box", "crate", "package", "carton"], ["cup", "mug", "glass"], ["bottle", "flask"], ["table", "desk"],
    ["stairs", "staircase", "stairway"], ["rope", "cord"], ["bag", "sack"],
    ["phone", "cellphone", "mobile phone", "telephone"], ["object", "item", "thing"],
    ["something", "an item", "an object"], ["couch", "sofa"], ["bed", "mattress"],
    ["railing", "handrail", "banister"], ["hoop", "basket"], ["beat", "rhythm"], ["song", "tune"],
    ["friend", "buddy", "pal"], ["someone", "somebody", "another person"],
    ["starting point", "starting position", "start", "original position"],
]
_CLOCKWISE = ("clockwise", "counterclockwise", "counter-clockwise", "anticlockwise", "anti-clockwise")
SIDED_OTHER_GROUPS: List[List[str]] = [
    ["with the {s} hand", "using the {s} hand", "with their {s} hand"],
    ["with the {s} arm", "using the {s} arm", "with their {s} arm"],
    ["with the {s} foot", "using the {s} foot", "with their {s} foot"],
    ["with the {s} leg", "using the {s} leg", "with their {s} leg"],
    ["with the {s} fist", "using the {s} fist", "with their {s} fist"],
    ["to the {s}", "toward the {s}", "towards the {s}", "to their {s}", "toward their {s}", "to the {s} side",
     "over to the {s}"],
    ["on the {s} side", "on their {s} side", "on the {s}"],
]
CLOCKWISE_GROUPS: List[List[str]] = [["{c}", "in a {c} direction", "in a {c} motion"]]

# ------------------------------------------------------------------ insertion and deletion
# Modifiers that leave the action as it is; a kind is skipped when the caption already holds
# one of its blocking words.
INSERT_MODIFIERS: Dict[str, Tuple[str, ...]] = {
    "manner": ("casually", "calmly", "carefully", "smoothly", "naturally", "gently", "deliberately",
               "in a relaxed way", "with ease", "confidently", "lightly"),
    "speed": ("slowly", "quickly", "at a slow pace", "at a normal pace", "at a moderate pace", "briskly",
              "steadily", "at a relaxed pace"),
    "duration": ("for a moment", "briefly", "for a short while", "for a few seconds"),
    "repetition": ("once", "a few times", "repeatedly", "several times", "a couple of times"),
}
_INSERT_WEIGHTS = {"manner": 3, "speed": 2, "duration": 2, "repetition": 1}
_INSERT_BLOCKERS: Dict[str, Set[str]] = {
    "manner": {"casually", "calmly", "carefully", "smoothly", "naturally", "gently", "deliberately", "relaxed",
               "ease", "confidently", "lightly", "cautiously", "gracefully", "energetically", "vigorously",
               "politely", "awkwardly", "angrily", "happily", "quietly", "softly", "firmly", "enthusiastically"},
    "speed": {"slowly", "quickly", "slow", "fast", "pace", "speed", "briskly", "steadily", "rapidly", "swiftly",
              "hurriedly", "leisurely", "unhurriedly", "speedily", "hurrying", "quick"},
    "duration": {"moment", "briefly", "while", "seconds", "second", "momentarily", "time", "continuously",
                 "constantly", "nonstop"},
    "repetition": {"once", "twice", "times", "repeatedly", "several", "few", "again", "series", "set", "over",
                   "some", "couple", "multiple"},
}
FILLER_WORDS = frozenset({"the", "then", "just", "really", "very", "simply", "also", "quite", "there", "some",
                          "slowly", "quickly", "gently", "carefully", "casually", "briefly", "slightly", "again"})
# "the" stays after these ("on the spot", "to the left" read badly without it)
_KEEP_THE_AFTER = frozenset({"to", "on", "in", "at", "toward", "towards", "into", "onto", "of", "from", "over",
                             "under", "behind", "across", "off", "around"})

# ------------------------------------------------------------------ protected words
_SIDE = re.compile(r"(?<![a-z])(?:left|right)|clockwise", re.IGNORECASE)
QUANTITY_WORDS = frozenset({"both", "one", "two", "single", "either", "each", "three", "four", "five", "six",
                            "seven", "eight", "nine", "ten", "twice", "thrice", "half", "quarter", "hundred",
                            "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"})


def is_side_word(token: str) -> bool:
    """Whether a word names a side (left, rightward, left-handed, clockwise, anticlockwise, ...)."""
    return bool(_SIDE.search(token))


def is_protected(token: str) -> bool:
    """Side words, quantity words (both, one, two, single, ...) and numbers: never changed."""
    low = token.lower()
    return is_side_word(low) or low in QUANTITY_WORDS or any(ch.isdigit() for ch in low)


# ------------------------------------------------------------------ verb forms
_BARE_IRREGULAR = {"is": "be", "has": "have", "does": "do", "goes": "go", "lies": "lie", "ties": "tie",
                   "boogies": "boogie"}
_ING_IRREGULAR = {"be": "being", "squat": "squatting", "curtsy": "curtsying", "tiptoe": "tiptoeing",
                  "begin": "beginning", "mimic": "mimicking", "sidestep": "sidestepping", "boogie": "boogieing"}
_VOWELS = set("aeiou")


def _bare(verb: str) -> str:
    """Third person singular -> bare form: walks -> walk, touches -> touch, carries -> carry."""
    if verb in _BARE_IRREGULAR:
        return _BARE_IRREGULAR[verb]
    if verb.endswith("ies") and len(verb) > 4:
        return verb[:-3] + "y"
    if verb.endswith(("sses", "shes", "ches", "xes", "zzes")):
        return verb[:-2]
    return verb[:-1]


def _ing(bare: str) -> str:
    """Bare form -> -ing form: walk -> walking, raise -> raising, step -> stepping, lie -> lying."""
    if bare in _ING_IRREGULAR:
        return _ING_IRREGULAR[bare]
    if bare.endswith("ie"):
        return bare[:-2] + "ying"
    if bare.endswith("e") and not bare.endswith(("ee", "oe", "ye")):
        return bare[:-1] + "ing"
    core = bare.rsplit("-", 1)[-1]
    vowel_groups = len(re.findall(r"[aeiou]+", core))
    if (len(core) >= 3 and vowel_groups == 1 and core[-1] not in _VOWELS | set("wxy")
            and core[-2] in _VOWELS and core[-3] not in _VOWELS):
        return bare + bare[-1] + "ing"
    return bare + "ing"


def _inflect(phrase: Tuple[str, ...], form: str) -> Tuple[str, ...]:
    if form == "s":
        return phrase
    bare = _bare(phrase[0])
    return (bare if form == "bare" else _ing(bare),) + phrase[1:]


# ------------------------------------------------------------------ lexicon index
@dataclass(frozen=True)
class _Entry:
    words: Tuple[str, ...]
    group: int
    form: str  # "s", "bare", "ing" (verb groups) or "word" (other groups)


def _expand(templates: List[List[str]], key: str, values: Sequence[str]) -> List[List[str]]:
    return [[t.replace("{" + key + "}", v) for t in group] for group in templates for v in values]


def _build():
    verb_groups = VERB_GROUPS + _expand(SIDED_VERB_GROUPS, "s", ("left", "right"))
    other_groups = (OTHER_GROUPS + _expand(SIDED_OTHER_GROUPS, "s", ("left", "right"))
                    + _expand(CLOCKWISE_GROUPS, "c", _CLOCKWISE))
    groups: List[Dict[str, List[Tuple[str, ...]]]] = []
    index: Dict[str, List[_Entry]] = {}
    seen: Dict[Tuple[Tuple[str, ...], str], str] = {}
    for kind, source in (("verb", verb_groups), ("other", other_groups)):
        for phrases in source:
            words = [tuple(p.split()) for p in phrases]
            if len(set(words)) != len(words) or len(words) < 2:
                raise ValueError(f"lexicon group {phrases}: needs two or more distinct phrases")
            protected = {tuple(w for w in p if is_protected(w)) for p in words}
            if len(protected) != 1:
                raise ValueError(f"lexicon group {phrases}: phrases name different sides or quantities")
            if kind == "verb" and not all(p[0].endswith("s") for p in words):
                raise ValueError(f"lexicon group {phrases}: verbs must be third person singular")
            forms = ("s", "bare", "ing") if kind == "verb" else ("word",)
            gid = len(groups)
            groups.append({f: [_inflect(p, f) if kind == "verb" else p for p in words] for f in forms})
            for form in forms:
                for phrase in groups[gid][form]:
                    key = (phrase, "verb" if kind == "verb" else "other")
                    if key in seen:
                        raise ValueError(f"lexicon phrase {' '.join(phrase)!r} is in two groups")
                    seen[key] = form
                    index.setdefault(phrase[0], []).append(_Entry(phrase, gid, form))
    for entries in index.values():
        entries.sort(key=lambda e: -len(e.words))
    return groups, index


_GROUPS, _INDEX = _build()
_SUBJECTS = sorted({tuple(s.split()) for s in NEUTRAL_SUBJECTS + MALE_SUBJECTS + FEMALE_SUBJECTS},
                   key=lambda s: -len(s))
_SUBJECT_HEADS = frozenset(s[-1] for s in _SUBJECTS)
_DETERMINERS = frozenset({"a", "an", "the", "this", "that"})
_CLAUSE_LEAD = frozenset({",", ";", ":", ".", "and", "then", "or"})
_S_LEAD = _CLAUSE_LEAD | _SUBJECT_HEADS | {"also", "first", "finally", "just", "now", "again", "who", "it", "still"}
_BARE_LEAD = _CLAUSE_LEAD | {"to"}
_ING_LEAD = _CLAUSE_LEAD | _SUBJECT_HEADS | {"is", "are", "was", "were", "be", "been", "while", "by", "after",
                                             "before", "without", "when", "keeps", "starts", "begins", "stops",
                                             "continues", "finishes", "goes", "of", "from", "also", "still"}
_BLOCK_NEXT = frozenset({"not", "n't"})


def lexicon_words() -> Set[str]:
    """Every word the augmentation can write (lexicon phrases in all their forms, subjects,
    inserted modifiers). Protected words (sides, quantities) are left out: they are only ever
    copied from the input, never introduced."""
    words: Set[str] = set()
    phrases: List[Iterable[str]] = [p for g in _GROUPS for form in g.values() for p in form]
    phrases += [s for s in _SUBJECTS] + [m.split() for mods in INSERT_MODIFIERS.values() for m in mods]
    for phrase in phrases:
        words.update(w for w in phrase if not is_protected(w))
    return words


def lexicon_size() -> Dict[str, int]:
    """How many phrases the lexicon holds: as written, and with sides and verb forms expanded."""
    written = sum(len(g) for g in VERB_GROUPS + SIDED_VERB_GROUPS + OTHER_GROUPS + SIDED_OTHER_GROUPS
                  + CLOCKWISE_GROUPS)
    expanded = sum(len(p) for g in _GROUPS for p in g.values())
    return {"groups": len(_GROUPS), "phrases_written": written, "phrases_expanded": expanded,
            "subjects": len(_SUBJECTS)}


# ------------------------------------------------------------------ augmentation
@dataclass(frozen=True)
class AugmentProbs:
    """Probabilities of the operations of ``augment_caption``.

    Args:
        subject: replacing the leading subject.
        synonym: replacing each lexicon phrase found.
        insert: inserting one modifier.
        delete: deleting each filler word.
    """
    subject: float = 0.5
    synonym: float = 0.35
    insert: float = 0.25
    delete: float = 0.1


DEFAULT_PROBS = AugmentProbs()
NO_AUGMENT = AugmentProbs(0.0, 0.0, 0.0, 0.0)

_TOKEN = re.compile(r"[A-Za-z0-9]+(?:['\u2019-][A-Za-z0-9]+)*|\S")


def _tokenize(text: str) -> List[List]:
    """text -> [[token, space_before], ...]."""
    return [[m.group(0), m.start() > 0 and text[m.start() - 1].isspace()] for m in _TOKEN.finditer(text)]


def _detokenize(tokens: List[List]) -> str:
    text = "".join((" " if space else "") + tok for tok, space in tokens)
    return re.sub(r"\s+", " ", text).strip()


def _words(tokens: List[List]) -> List[str]:
    return [t[0] for t in tokens]


def _subject_span(words: List[str]) -> int:
    """Number of leading tokens that form a known subject (0: none)."""
    for subject in _SUBJECTS:
        n = len(subject)
        if len(words) > n and tuple(words[:n]) == subject and words[n][:1].isalpha():
            return n
    return 0


def _replace_subject(tokens: List[List], span: int, rng) -> None:
    words = set(_words(tokens))
    options = list(NEUTRAL_SUBJECTS)
    if not words & _FEMALE_PRONOUNS:
        options += MALE_SUBJECTS
    if not words & _MALE_PRONOUNS:
        options += FEMALE_SUBJECTS
    current = " ".join(_words(tokens[:span]))
    new = rng.choice([s for s in options if s != current]).split()
    tokens[:span] = [[w, tokens[0][1] if i == 0 else True] for i, w in enumerate(new)]


def _context_ok(entry: _Entry, words: List[str], i: int, subject_end: int) -> bool:
    """Whether a verb form may stand at position i (a 3rd-person "walks" after a subject,
    a bare "walk" at a clause start or after "to", "walking" after "is" / "while" ...)."""
    if entry.form == "word":
        return True
    nxt = words[i + len(entry.words)] if i + len(entry.words) < len(words) else ""
    if nxt in _BLOCK_NEXT:
        return False
    prev = words[i - 1] if i > 0 else None
    if entry.form == "bare":
        return prev is None or prev in _BARE_LEAD
    if prev is None or i == subject_end or prev.endswith("ly"):
        return True
    if entry.form == "s":
        return prev in _S_LEAD or (i == 2 and words[0] in _DETERMINERS)
    return prev in _ING_LEAD


def _synonyms(tokens: List[List], start: int, p: float, rng) -> bool:
    """Replace lexicon phrases from token ``start`` on, each with probability p; True if any."""
    changed, i = False, start
    while i < len(tokens):
        words = _words(tokens)
        matches = [e for e in _INDEX.get(words[i], ()) if tuple(words[i:i + len(e.words)]) == e.words]
        if not matches:
            i += 1
            continue
        longest = len(matches[0].words)
        usable = [e for e in matches if len(e.words) == longest and _context_ok(e, words, i, start)]
        # A phrase whose context rules it out still shields its words ("takes several steps
        # forward": neither "steps" nor "forward" is touched).
        if usable and rng.random() < p:
            entry = usable[0]
            options = [o for o in _GROUPS[entry.group][entry.form] if o != entry.words]
            new = rng.choice(options)
            tokens[i:i + longest] = [[w, tokens[i][1] if k == 0 else True] for k, w in enumerate(new)]
            changed = True
            i += len(new)
        else:
            i += longest
    return changed


def _delete_fillers(tokens: List[List], start: int, p: float, rng) -> bool:
    changed, i = False, start
    while i < len(tokens):
        word = tokens[i][0]
        prev = tokens[i - 1][0] if i > 0 else None
        deletable = (word in FILLER_WORDS and (word != "then" or prev in (",", "and"))
                     and (word != "the" or prev not in _KEEP_THE_AFTER))
        alpha_left = sum(t[0][:1].isalnum() for t in tokens) > 1
        if deletable and alpha_left and rng.random() < p:
            del tokens[i]
            changed = True
        else:
            i += 1
    return changed


def _insert_modifier(tokens: List[List], subject_end: int, rng) -> bool:
    words = set(_words(tokens))
    kinds = [k for k in INSERT_MODIFIERS if not words & _INSERT_BLOCKERS[k]]
    if not kinds:
        return False
    kind = rng.choices(kinds, weights=[_INSERT_WEIGHTS[k] for k in kinds])[0]
    modifier = rng.choice(INSERT_MODIFIERS[kind])
    end = len(tokens)
    while end > 0 and tokens[end - 1][0] in ".!?;:,":
        end -= 1  # before trailing punctuation
    if end <= subject_end:
        return False
    places = [end] + [i for i in range(subject_end + 1, end) if tokens[i][0] in (",", ";")]
    if subject_end and modifier.endswith("ly") and " " not in modifier:
        places.append(subject_end)  # "a person slowly walks"
    place = rng.choice(places)
    tokens[place:place] = [[w, True] for w in modifier.split()]
    return True


def augment_caption(text: str, rng: Optional[random.Random] = None, probs: AugmentProbs = DEFAULT_PROBS) -> str:
    """A paraphrase of a motion caption (module docstring: operations and invariants).

    Args:
        text: the caption (the project's captions are lowercase; a leading capital is kept).
        rng: a ``random.Random``; None uses the ``random`` module's global generator, as the
            dataset's other training draws do (so DataLoader workers are seeded the same way).
        probs: probabilities of each operation; ``NO_AUGMENT`` returns ``text`` unchanged.
    Returns:
        The paraphrased caption, or ``text`` itself when nothing fired.
    """
    rng = random if rng is None else rng
    tokens = _tokenize(text)
    if not tokens:
        return text
    first = tokens[0][0]
    capital = first[0].isupper() and (len(first) == 1 or first[1:].islower())
    if capital:
        tokens[0][0] = first.lower()
    changed = False
    span = _subject_span(_words(tokens))
    if span and probs.subject > 0 and rng.random() < probs.subject:
        _replace_subject(tokens, span, rng)
        span = _subject_span(_words(tokens))
        changed = True
    if probs.synonym > 0:
        changed |= _synonyms(tokens, span, probs.synonym, rng)
    if probs.delete > 0:
        changed |= _delete_fillers(tokens, span, probs.delete, rng)
    if probs.insert > 0 and rng.random() < probs.insert:
        changed |= _insert_modifier(tokens, span, rng)
    if not changed:
        return text
    out = _detokenize(tokens)
    if capital and out:
        out = out[0].upper() + out[1:]
    return out or text
