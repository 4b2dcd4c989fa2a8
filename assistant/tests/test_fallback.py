"""The paraphrase fallback (engine/fallback.py): only for questions no rule fits, answers above its
threshold, declines out-of-domain questions, asks back when two intents are too close, and trains
deterministically. No database: the catalogue is built in the test (test_plans.catalogue)."""

from __future__ import annotations

import pytest

from assistant.engine import fallback
from assistant.engine.entities import Catalogue, DeviceRef
from assistant.engine.intents import detect_intent
from assistant.engine.periods import normalise
from assistant.tests.test_plans import CATALOGUE, plan

# Paraphrases that none of the rules in intents.py fit (checked below), with the intent meant.
PARAPHRASES = [
    ("which gadget hogged the most juice last week", "ranking"),
    ("who is the greediest appliance yesterday", "ranking"),
    ("what slice of everything was the heat pump last wk", "share"),
    ("mean wattage yesterday", "average_power"),
    ("what's the fridge pulling", "current_power"),
    ("is the wallbox still alive", "status"),
    ("has the fridge gone quiet", "status"),
    ("anything wrong?", "alerts"),
    ("which date was the heaviest last month", "extreme"),
    ("what did the house pull when nothing was on last week", "base_load"),
    ("what was the spike in kw yesterday", "peak"),
    ("how many kilowatt hours did the oven eat on monday", "energy"),
    ("what sorts of questions can you answer", "help"),
]


TRAINING = {s for _i, s in fallback.training_sentences(("heat pump", "fridge", "wallbox"), ("kitchen",), ())}


@pytest.mark.parametrize(("question", "intent"), PARAPHRASES)
def test_paraphrase_no_rule_fits_gets_its_intent_above_the_threshold(question, intent):
    assert detect_intent(normalise(question)) is None  # the rules alone do not know it
    assert question not in TRAINING  # not learnt by heart
    guess = fallback.classify(question, CATALOGUE)
    assert guess.kind == "intent" and guess.intent == intent, guess
    (first, p1), (_second, p2) = guess.scores[:2]
    assert p1 >= fallback.THRESHOLD and p1 - p2 >= fallback.MARGIN
    result = plan(question)
    assert (result.kind, result.intent) == ("plan", intent)


def test_fallback_plan_keeps_the_slots_of_the_resolvers():
    result = plan("what slice of everything was the heat pump last wk")
    assert result.scope.label == "Heat pump"
    assert result.periods[0].label == "last week"
    result = plan("what's the fridge pulling")
    assert result.scope.label == "Fridge" and result.periods == ()


@pytest.mark.parametrize(
    "question",
    [
        "what's the weather",
        "how much gas did we use",
        "how much water did we use yesterday",
        "asdf qwerty",
        "banana",
        "what is the capital of france",
        "tell me a story about the fridge",
        "write a poem about the oven",
        "who made the wallbox",
        "how tall is the heat pump",
        "play some music in the kitchen",
    ],
)
def test_nonsense_and_out_of_domain_stay_declined(question):
    result = plan(question)
    assert result.kind == "declined", result
    assert result.intent in {"out_of_scope", "unknown"}


def test_two_close_intents_ask_back_with_both_readings():
    question = "the wattage of the oven yesterday"
    assert detect_intent(normalise(question)) is None
    guess = fallback.classify(question, CATALOGUE)
    assert guess.kind == "close"
    assert {guess.intent, guess.second} == {"average_power", "peak"}
    result = plan(question)
    assert result.kind == "clarify"
    assert len(result.choices) == 2
    assert "average power of the Oven yesterday" in " ".join(result.choices)
    assert "peak power of the Oven yesterday" in " ".join(result.choices)
    for choice in result.choices:  # every reading offered is a question the rules answer
        assert plan(choice).kind == "plan"


def test_unsure_falls_back_to_what_the_engine_did_before():
    # a device and nothing the model is sure of: the default energy question, as without the model
    guess = fallback.classify("the spike slice of the heat pump", CATALOGUE)
    assert guess.kind == "unsure"
    assert plan("the spike slice of the heat pump").intent == "energy"


def test_the_fallback_never_overrides_a_rule():
    # "gas" is the out_of_scope rule; "turn off" a command: the model is not consulted
    assert plan("how much gas did the heat pump use").intent == "out_of_scope"
    assert plan("turn off the wallbox").intent == "command"


def test_an_unknown_device_is_still_said_on_the_fallback_path():
    result = plan("what did the sauna burn through")
    assert result.kind == "declined" and "sauna" in result.message


def test_training_is_deterministic_and_cached():
    first = fallback.model_for(CATALOGUE)
    assert fallback.model_for(CATALOGUE) is first  # cached per process
    fallback._model.cache_clear()
    second = fallback.model_for(CATALOGUE)
    assert second is not first
    assert second == first  # same idf and centroids, term for term
    q = "which gadget hogged the most juice"
    assert first.probabilities(q) == second.probabilities(q)


def test_training_uses_the_catalogue_names_not_the_evaluation():
    names = ("heat pump", "fridge", "wallbox", "oven", "water heater")  # the evaluation's demo home
    sentences = fallback.training_sentences(names, ("garden", "kitchen", "garage"), ("heat pump",))
    texts = [s for _i, s in sentences]
    assert "is the fridge alive" in texts and "is the heat pump alive" in texts
    assert all("{" not in s for s in texts)
    from assistant.eval import cases

    with open(cases.__file__, encoding="utf-8") as f:
        source = f.read()
    assert not [s for s in texts if f'"{s}"' in source]  # no evaluation question is a training sentence


def test_another_home_gets_its_own_model():
    other = Catalogue(devices=[DeviceRef(1, "Sauna", "Cellar", "sauna", "Sauna", "consumer", "sa", ())])
    other._index()
    assert fallback.model_for(other) is not fallback.model_for(CATALOGUE)
    assert fallback.classify("is the sauna alive", other).intent == "status"
