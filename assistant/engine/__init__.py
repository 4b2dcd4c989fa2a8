"""The local assistant engine: question -> plan (intents.py) -> selector calls (answer.py) -> answer.

Offline and deterministic: the same question, home data and ``now`` give the same answer.
``core.answer_question`` is the entry point; periods, entities and intents need no database.
"""
