"""Exam specs, rosters, banks and variants: parsing, bad input, determinism, key.json contract."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import yaml
from nnexam.questions import bank, exam, registry
from nnexam.questions import exam_variant as ev
from nnexam.questions.errors import InputError, NnexamError, ParamError, UnknownNameError
from nnexam.questions.family import same

BANK = Path(__file__).resolve().parent.parent / "examples" / "bank.toml"


def spec(*questions: dict, **head: object) -> exam.ExamSpec:
    data = {"exam": {"title": "T", "seed": 5, **head}, "questions": list(questions)}
    return exam.parse(data, "exam.toml", base=BANK.parent)


def steps_q(**extra: object) -> dict:
    return {"id": "q1", "type": "training-steps", "points": 4, **extra}


def student(sid: str = "s1") -> exam.Student:
    return exam.Student(id=sid, name="N", file=sid)


# ---------------------------------------------------------------------------------------------
# Bad exam specs: one message naming the file, the question and what was expected
# ---------------------------------------------------------------------------------------------

BAD_SPECS = [
    ("unknown-type", {"id": "q1", "type": "trainig-steps", "points": 1}, ["exam.toml", "q1", "Did you mean 'training-steps'"]),
    ("missing-points", {"id": "q1", "type": "training-steps"}, ["q1", "points"]),
    ("points-text", {"id": "q1", "type": "training-steps", "points": "six"}, ["q1", "points", "six"]),
    ("bad-id", {"id": "q 1/x", "type": "training-steps", "points": 1}, ["id", "letters"]),
    ("param-wrong-type", steps_q(params={"samples": "many", "batch_size": 3}), ["q1", "'samples'", "integer", "many"]),
    ("param-missing", steps_q(params={"samples": 100, "epochs": 2, "batch_size": None}), ["q1"]),
    ("unknown-param", steps_q(params={"sample": 100}), ["q1", "'sample'", "Did you mean"]),
    ("unknown-option", steps_q(options={"epochs_mix": 3}), ["q1", "epochs_mix"]),
    ("inconsistent", steps_q(params={"samples": 10, "batch_size": 32, "drop_last": True}), ["q1", "batch_size", "samples=10"]),
    ("unknown-key", steps_q(pionts=3), ["q1", "pionts"]),
    ("parts-over", steps_q(parts={"steps_per_epoch": 5}), ["q1", "parts", "more than"]),
    ("tolerance-bad", steps_q(tolerance={"rel": -1}), ["q1", "rel", "non-negative"]),
    ("grading-bad", steps_q(grading={"mistake_credit": 2}), ["q1", "mistake_credit", "0 to 1"]),
]


@pytest.mark.parametrize("question, words", [pytest.param(q, w, id=i) for i, q, w in BAD_SPECS])
def test_bad_question_names_file_question_and_parameter(question: dict, words: list[str]) -> None:
    with pytest.raises(InputError) as err:
        spec(question)
    msg = str(err.value)
    assert "\n" not in msg
    for w in words:
        assert w in msg, (w, msg)


@pytest.mark.parametrize(
    "data, words",
    [
        pytest.param({"questions": [steps_q()]}, ["[exam]"], id="no-exam"),
        pytest.param({"exam": {"title": "T"}}, ["[[questions]]"], id="no-questions"),
        pytest.param({"exam": {"title": "T", "seed": "x"}, "questions": [steps_q()]}, ["seed", "integer"], id="seed-text"),
        pytest.param({"exam": {"title": "T"}, "questions": [steps_q(), steps_q()]}, ["duplicate", "q1"], id="duplicate-id"),
        pytest.param({"exam": {"title": "T"}, "extra": {}, "questions": [steps_q()]}, ["extra"], id="unknown-table"),
    ],
)
def test_bad_exam_tables(data: dict, words: list[str]) -> None:
    with pytest.raises(InputError) as err:
        exam.parse(data, "exam.toml")
    for w in words:
        assert w in str(err.value)


def test_impossible_ranges_say_which_constraint() -> None:
    s = spec(steps_q(options={"samples_min": 500, "samples_max": 100}))
    with pytest.raises(InputError) as err:
        ev.build(s, student())
    msg = str(err.value)
    assert msg.startswith("exam.toml: question 'q1' (training-steps)") and "min <= max" in msg


def test_unknown_part_in_parts_table() -> None:
    s = spec(steps_q(parts={"steps": 1}))
    with pytest.raises(InputError, match="unknown part 'steps'.*steps_per_epoch, total_updates"):
        ev.build(s, student())


def test_load_reports_toml_syntax_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[exam\ntitle = 1")
    with pytest.raises(InputError, match="bad.toml: not valid TOML"):
        exam.load(bad)
    with pytest.raises(InputError, match="cannot read"):
        exam.load(tmp_path / "absent.toml")


# ---------------------------------------------------------------------------------------------
# Variants: deterministic per (seed, student, question); fixed params reproduce the instance
# ---------------------------------------------------------------------------------------------


def test_variants_are_deterministic_and_differ_between_students() -> None:
    s = spec(steps_q(), {"id": "q2", "type": "training-steps", "points": 2})
    a1, a2, b = ev.build(s, student("a")), ev.build(s, student("a")), ev.build(s, student("b"))
    assert [q.params for q in a1.questions] == [q.params for q in a2.questions]
    assert [q.params for q in a1.questions] != [q.params for q in b.questions]
    assert a1.questions[0].params != a1.questions[1].params  # each question its own stream


def test_rng_depends_only_on_seed_student_question() -> None:
    draws = {ev.rng_for(1, "s", "q").random() for _ in range(3)}
    assert len(draws) == 1
    assert ev.rng_for(1, "s", "q").random() != ev.rng_for(2, "s", "q").random()
    assert ev.rng_for(1, "s", "q").random() != ev.rng_for(1, "s", "q2").random()


def test_adding_a_question_keeps_the_others() -> None:
    one = ev.build(spec(steps_q()), student())
    two = ev.build(spec({"id": "q0", "type": "training-steps", "points": 1}, steps_q()), student())
    assert one.questions[0].params == two.questions[1].params


def test_seed_override_changes_variants() -> None:
    s1, s2 = spec(steps_q()), exam.parse({"exam": {"title": "T", "seed": 5}, "questions": [steps_q()]}, "e", seed=6)
    assert ev.build(s1, student()).questions[0].params != ev.build(s2, student()).questions[0].params


def test_fixed_params_reproduce_the_instance_exactly() -> None:
    s = spec(steps_q(params={"samples": 1000, "batch_size": 32, "epochs": 3}))
    for sid in ("a", "b"):
        q = ev.build(s, student(sid)).questions[0]
        assert (q.params.samples, q.params.batch_size, q.params.epochs) == (1000, 32, 3)
        assert [p.exact for p in q.parts] == [32, 96]


def test_partly_fixed_params_are_imposed_on_the_draw() -> None:
    s = spec(steps_q(params={"batch_size": 50}))
    for sid in "abcde":
        assert ev.build(s, student(sid)).questions[0].params.batch_size == 50


def test_text_override_inserts_param_values() -> None:
    s = spec(steps_q(params={"samples": 1000, "batch_size": 32}, text="N = {samples}, B = {batch_size}, {unknown}"))
    (block,) = ev.build(s, student()).questions[0].statement
    plain = "".join(p if isinstance(p, str) else p.plain for p in block.pieces)
    assert plain == "N = 1000, B = 32, {unknown}"


@pytest.mark.parametrize(
    "parts, expected",
    [
        pytest.param({}, [2, 2], id="even"),
        pytest.param({"steps_per_epoch": 1}, [1, 3], id="rest-shared"),
        pytest.param({"steps_per_epoch": 1, "total_updates": 3}, [1, 3], id="all-given"),
    ],
)
def test_part_points(parts: dict, expected: list[int]) -> None:
    q = ev.build(spec(steps_q(parts=parts)), student()).questions[0]
    assert [p.points for p in q.parts] == expected


def test_parts_that_do_not_add_up() -> None:
    with pytest.raises(InputError, match="add up to 2, not the question's 4"):
        ev.build(spec(steps_q(parts={"steps_per_epoch": 1, "total_updates": 1})), student())


def test_tolerance_exam_question_part() -> None:
    s = spec(
        steps_q(tolerance={"total_updates": {"rel": 0.05}}),
        {"id": "q2", "type": "training-steps", "points": 1, "tolerance": {"abs": 0.5}},
    )
    v = ev.build(s, student())
    assert v.questions[0].parts[0].tolerance.rel == 0.01
    assert v.questions[0].parts[1].tolerance.rel == 0.05
    assert v.questions[1].parts[0].tolerance.abs == 0.5
    assert s.questions[1].grading["tolerance"]["abs"] == 0.5


# ---------------------------------------------------------------------------------------------
# key.json and the answer sheet
# ---------------------------------------------------------------------------------------------


def test_key_json_follows_the_contract() -> None:
    s = spec(steps_q(grading={"mistake_credit": {"default": 0.25, "floor-steps": 0}}))
    v = ev.build(s, student("s/1"))
    data = json.loads(ev.key_json(s, [ev.student_json(v)]))
    assert data["format"] == "nnexam-key" and data["version"] == 1
    assert data["grading"]["tolerance"] == {"rel": 0.01, "abs": 0.001, "sigfigs": None}
    assert data["questions"] == [{"id": "q1", "type": "training-steps", "points": 4, "title": "Training steps"}]
    (st,) = data["students"]
    assert st["student"] == "s/1"
    (q,) = st["questions"]
    assert q["grading"] == {"mistake_credit": {"default": 0.25, "floor-steps": 0.0}}
    family = registry.get("training-steps")
    params = family.parse(q["params"])
    assert params == v.questions[0].params
    answer = family.solve(params)
    for part in q["parts"]:
        assert set(part) >= {"id", "part", "kind", "points", "exact", "value", "tolerance", "mistakes", "choices"}
        assert part["id"] == f"q1.{part['part']}"
        assert part["exact"] == str(answer[part["part"]]) and part["value"] == int(answer[part["part"]])
        for m in part["mistakes"]:
            assert m["exact"] != part["exact"] and {"id", "message", "exact", "value"} <= set(m)


def test_key_json_is_byte_identical_across_builds() -> None:
    s = spec(steps_q(), {"id": "q2", "type": "multiple-choice", "points": 1, "options": {"bank": "bank.toml"}})
    texts = {ev.key_json(s, [ev.student_json(ev.build(s, student(x))) for x in "abc"]) for _ in range(2)}
    assert len(texts) == 1


def test_answer_sheet_lists_every_part() -> None:
    s = spec(steps_q(), {"id": "q2", "type": "true-false", "points": 1, "options": {"bank": "bank.toml"}})
    v = ev.build(s, exam.Student(id='o"brien: #1', name="x", file="x"))
    sheet = yaml.safe_load(ev.answer_sheet(v))
    assert sheet == {
        "student": 'o"brien: #1',
        "answers": {"q1.steps_per_epoch": None, "q1.total_updates": None, "q2.answer": None},
    }
    assert "one of true, false" in ev.answer_sheet(v)


# ---------------------------------------------------------------------------------------------
# Rosters
# ---------------------------------------------------------------------------------------------


def roster(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "roster.csv"
    p.write_text(text, encoding="utf-8")
    return p


def test_roster_columns_and_file_stems(tmp_path: Path) -> None:
    p = roster(tmp_path, "Student_ID,Name,Email\n../../etc/x,Zoë,z@x\nS/1,O'Brien,\ns_1,A,\n..,B,\n")
    got = exam.load_roster(p)
    assert [s.id for s in got] == ["../../etc/x", "S/1", "s_1", ".."]
    assert [s.file for s in got] == ["etc_x", "S_1", "s_1-2", "student"]
    assert got[0].name == "Zoë" and got[0].email == "z@x"
    for s in got:
        assert "/" not in s.file and not s.file.startswith(".")


@pytest.mark.parametrize(
    "text, words",
    [
        pytest.param("id,name\ns1,A\ns1,B\n", ["roster.csv:3", "duplicate student id 's1'", "line 2"], id="duplicate"),
        pytest.param("id,name\ns1,A\n,B\n", ["roster.csv:3", "empty student id"], id="empty"),
        pytest.param("name,email\nA,a@x\n", ["roster.csv:1", "id"], id="no-id-column"),
        pytest.param("id\n", ["no students"], id="no-rows"),
        pytest.param("id\n*\n", ["reserved"], id="wildcard"),
        pytest.param("", ["empty roster"], id="empty-file"),
    ],
)
def test_bad_rosters(tmp_path: Path, text: str, words: list[str]) -> None:
    with pytest.raises(InputError) as err:
        exam.load_roster(roster(tmp_path, text))
    for w in words:
        assert w in str(err.value)


# ---------------------------------------------------------------------------------------------
# Question banks, true-false and multiple-choice
# ---------------------------------------------------------------------------------------------


def test_bank_toml_and_yaml_agree(tmp_path: Path) -> None:
    items = bank.load(str(BANK))
    as_yaml = tmp_path / "bank.yaml"
    as_yaml.write_text(yaml.safe_dump({"items": [
        {"id": it.id, "statement": it.statement, "explanation": it.explanation,
         **({"choices": list(it.choices), "key": int(it.key) + 1} if it.choices else {"key": it.key})}
        for it in items
    ]}))
    assert bank.load(str(as_yaml)) == items


@pytest.mark.parametrize(
    "data, words",
    [
        pytest.param({"items": [{"id": "a", "statement": "s", "key": "yes"}]}, ["item 'a'", "key", "true or false"], id="tf-key"),
        pytest.param({"items": [{"id": "a", "statement": "s", "choices": ["x", "y"], "key": "C"}]}, ["item 'a'", "A-B"], id="mc-key"),
        pytest.param({"items": [{"id": "a", "statement": "s", "choices": ["x"], "key": "A"}]}, ["choices", "2 to 8"], id="one-choice"),
        pytest.param({"items": [{"id": "a", "statement": "s", "key": True}] * 2}, ["twice"], id="duplicate"),
        pytest.param({"items": []}, ["non-empty"], id="empty"),
        pytest.param({"items": [{"id": "a", "key": True}]}, ["statement"], id="no-statement"),
    ],
)
def test_bad_bank(data: dict, words: list[str]) -> None:
    with pytest.raises(ParamError) as err:
        bank.parse_bank(data)
    for w in words:
        assert w in str(err.value)


def test_bank_file_errors(tmp_path: Path) -> None:
    p = tmp_path / "b.yaml"
    p.write_text("items: [unclosed")
    with pytest.raises(InputError, match=r"b.yaml(:\d+)?: not valid YAML"):
        bank.load(str(p))
    with pytest.raises(UnknownNameError, match="Did you mean 'relu-dead'"):
        registry.get("true-false").draw(random.Random(0), options={"bank": str(BANK), "item": "relu-ded"})


def test_multiple_choice_shuffles_per_variant_and_keeps_the_key() -> None:
    s = spec({"id": "mc", "type": "multiple-choice", "points": 2, "options": {"bank": "bank.toml", "item": "softmax-shift"}})
    orders = set()
    for sid in [f"s{i}" for i in range(12)]:
        q = ev.build(s, student(sid)).questions[0]
        p = q.params
        assert p.choices[bank.LABELS.index(p.key)] == "Adding the same constant to every logit"
        assert q.parts[0].exact == p.key and q.parts[0].choices == tuple(bank.LABELS[:4])
        orders.add(p.choices)
    assert len(orders) > 3


def test_choice_params_round_trip_through_key_json() -> None:
    s = spec({"id": "mc", "type": "multiple-choice", "points": 2, "options": {"bank": "bank.toml"}},
             {"id": "tf", "type": "true-false", "points": 1, "options": {"bank": "bank.toml"}})
    data = ev.student_json(ev.build(s, student()))
    for q in data["questions"]:
        family = registry.get(q["type"])
        assert same(family.solve(family.parse(q["params"]))["answer"], q["parts"][0]["exact"])


def test_true_false_mistake_is_the_opposite() -> None:
    fam = registry.get("true-false")
    p = fam.parse({"statement": "s", "key": False})
    assert fam.solve(p)["answer"] == "false"
    assert [(m.id, w) for m, w in fam.mistake_answers(p)] == [("opposite", {"answer": "true"})]


def test_choice_bank_is_required() -> None:
    with pytest.raises(NnexamError, match="bank"):
        ev.build(spec({"id": "q", "type": "true-false", "points": 1}), student())
