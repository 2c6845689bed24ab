"""Hostile input against every command (issue 14): each case runs ``nnexam`` in a subprocess under a
memory cap (RLIMIT_AS) and a time limit, and must end with exit 0, 1 or 2, print no traceback,
write nothing outside its output folder and, for ``grade``, still grade the other students.

The classes of the issue, one table per command: values that overflow or are expensive to evaluate,
integers past Python's 4,300-digit limit, deep nesting, quadratic regular expressions, devices and
FIFOs, YAML 1.1 ids, unmatched part ids, multiple-choice labels, duplicate keys, aliases and tags,
outputs that would overwrite inputs or follow planted links, unbounded claims and datasets.
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import stat
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

MEM_CAP = 3 * 2**30  # address space of a command that does not train (no torch import)
TIMEOUT_S = 60
ROOT = Path(__file__).resolve().parent.parent

BANK = """[[items]]
id = "six"
statement = "Pick the last."
choices = ["a", "b", "c", "d", "e", "f"]
key = "F"
explanation = "It is F."
"""

EXAM = """[exam]
title = "Hostile"
seed = 1
[[questions]]
id = "q1"
type = "training-steps"
points = 2
params = {samples = 1000, batch_size = 32, epochs = 3}
[[questions]]
id = "q2"
type = "softmax"
points = 2
params = {logits = [1, 2, 3]}
[[questions]]
id = "q6"
type = "receptive-field"
points = 2
params = {layers = [{kernel = 3}, {kernel = 3}]}
[[questions]]
id = "q3"
type = "multiple-choice"
points = 1
options = {bank = "bank.toml", item = "six", shuffle = false}
"""

ROSTER = "id,name\ns001,A\ns002,B\ns003,C\n001234,D\n" + "".join(f"h{i:02d},H\n" for i in range(60))
RIGHT = {"q1.steps_per_epoch": "32", "q1.total_updates": "96", "q2.probabilities": "[e/(e + exp(2) + exp(3)), "
         "exp(2)/(e + exp(2) + exp(3)), exp(3)/(e + exp(2) + exp(3))]", "q6.rf": "5", "q6.jump": "1", "q3.answer": "F"}
GOOD = ("s001", "s002")  # always submitted, all right: graded whatever the hostile file does


def _limits(mem: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.umask(0o002)

    return apply


def nnexam(*args: str | Path, cwd: Path, mem: int = MEM_CAP, timeout: float = TIMEOUT_S,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``nnexam ARGS`` in a subprocess under the memory cap and time limit; asserts the common
    contract (exit 0/1/2, no traceback) and returns the finished process."""
    full_env = {**os.environ, "KERAS_BACKEND": "torch", "NNEXAM_CACHE": str(cwd / ".cache"), **(env or {})}
    full_env.pop("NNEXAM_DEBUG", None)
    done = subprocess.run([sys.executable, "-m", "nnexam", *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=_limits(mem), env=full_env, check=False)
    out = done.stdout + done.stderr
    assert done.returncode in (0, 1, 2), out[-3000:]
    assert "Traceback" not in out, out[-3000:]
    return done


def snapshot(root: Path, skip: tuple[Path, ...] = ()) -> dict[str, tuple[int, bytes]]:
    """Every file under ``root`` (outside ``skip``): mode and content; links by their target."""
    out: dict[str, tuple[int, bytes]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        d = Path(dirpath)
        dirnames[:] = [n for n in dirnames if d / n not in skip and n != ".cache"]
        for name in filenames:
            p = d / name
            if p in skip:
                continue
            st = os.lstat(p)
            if stat.S_ISLNK(st.st_mode):
                out[str(p)] = (st.st_mode, os.readlink(p).encode())
            elif stat.S_ISREG(st.st_mode):
                out[str(p)] = (st.st_mode, p.read_bytes())
            else:
                out[str(p)] = (st.st_mode, b"")
    return out


@pytest.fixture(scope="module")
def exam_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small exam above, generated once: key.json and the roster."""
    d = tmp_path_factory.mktemp("exam")
    (d / "bank.toml").write_text(BANK)
    (d / "exam.toml").write_text(EXAM)
    (d / "roster.csv").write_text(ROSTER)
    nnexam("generate", "exam.toml", "--roster", "roster.csv", "--out", "out", "--format", "md", "--jobs", "1", cwd=d)
    assert (d / "out" / "key.json").is_file()
    return d


def _sheet(student: str, answers: dict[str, str]) -> str:
    return json.dumps({"student": student, "answers": answers})


def _class(tmp: Path) -> Path:
    subs = tmp / "subs"
    subs.mkdir()
    for s in GOOD:
        (subs / f"{s}.json").write_text(_sheet(s, RIGHT))
    return subs


def _grade(exam_dir: Path, tmp: Path, *extra: str | Path, subs: Path | None = None) -> tuple[subprocess.CompletedProcess[str], dict]:
    subs = subs or tmp / "subs"
    before = snapshot(tmp, skip=(tmp / "out",))
    (tmp / "out").mkdir(exist_ok=True)
    done = nnexam("grade", exam_dir / "out" / "key.json", subs, "--out", tmp / "out" / "grades.csv",
                  "--json", tmp / "out" / "results.json", *extra, cwd=tmp)
    assert snapshot(tmp, skip=(tmp / "out",)) == before, "grade wrote outside its output folder"
    results = json.loads((tmp / "out" / "results.json").read_text()) if done.returncode == 0 else {}
    if done.returncode == 0:
        by = {s["student"]: s for s in results["students"]}
        for s in GOOD:  # the rest of the class is graded, fully right
            assert by[s]["status"] == "graded" and by[s]["score"] == by[s]["max"] == 7, (s, by[s], done.stderr[-2000:])
    return done, results


def _student(results: dict, sid: str) -> dict:
    return next(s for s in results["students"] if s["student"] == sid)


def _verdicts(results: dict, sid: str) -> dict[str, str]:
    return {p["part"]: p["verdict"] for p in _student(results, sid)["parts"]}


# --------------------------------------------------------------------------------------------- grade

BIG = "1" * 5000
DEEP_YAML = "student: s003\nanswers:\n  q1.steps_per_epoch: " + "[" * 330 + "]" * 330 + "\n"
NESTED_BLOCK_YAML = "student: s003\nanswers:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(330)) + "  " * 331 + "x: 1\n"
LAUGHS = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
    f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")) + "student: s003\nanswers: {q1.steps_per_epoch: *i}\n"

# (file name, content, what must hold for student s003 afterwards: None = not graded / a problem)
GRADE_ATTACKS: list[tuple[str, str | bytes, Callable[[dict], bool] | None]] = [
    ("overflow.json", _sheet("s003", {**RIGHT, "q1.steps_per_epoch": "1e309", "q2.probabilities": "[10^400, 1, 1]"}),
     lambda v: v["q1.steps_per_epoch"] in ("incorrect", "unreadable") and v["q6.rf"] == "correct"),
    ("overflow-cf.json", _sheet("s003", {**RIGHT, "q6.rf": "1e309", "q6.jump": "10^400"}),
     lambda v: v["q6.rf"] != "correct" and v["q1.total_updates"] == "correct"),
    ("evalf.json", _sheet("s003", {**RIGHT, "q2.probabilities": "[exp(exp(exp(exp(3)))), sin(exp(exp(13))), 1]"}),
     lambda v: v["q2.probabilities"] in ("unreadable", "incorrect") and v["q6.rf"] == "correct"),
    ("evalf-scalar.json", _sheet("s003", {**RIGHT, "q6.rf": "exp(exp(exp(exp(3))))", "q6.jump": "sin(exp(exp(13)))"}),
     lambda v: v["q6.rf"] == "unreadable" and v["q6.jump"] == "unreadable"),
    ("digits.yaml", f"student: s003\nanswers:\n  q1.steps_per_epoch: {BIG}\n  q6.rf: 5\n",  # read line by line, with a warning
     lambda v: v["q1.steps_per_epoch"] == "unreadable" and v["q6.rf"] == "correct"),
    ("digits.json", '{"student": "s003", "answers": {"q1.steps_per_epoch": ' + BIG + ', "q6.rf": 5}}', None),
    ("digits-text.json", _sheet("s003", {**RIGHT, "q1.steps_per_epoch": BIG, "q6.jump": BIG + ".5",
                                         "q2.probabilities": f"[{BIG}, 1, 1]"}),
     lambda v: v["q1.steps_per_epoch"] in ("incorrect", "unreadable") and v["q6.rf"] == "correct"),
    ("digits.csv", f"student,q1.steps_per_epoch,q6.rf\ns003,{BIG},5\n",
     lambda v: v["q1.steps_per_epoch"] in ("incorrect", "unreadable") and v["q6.rf"] == "correct"),
    ("digits.md", f"student: s003\n\nq1.steps_per_epoch: {BIG}\nq6.rf: 5\n",
     lambda v: v["q1.steps_per_epoch"] in ("incorrect", "unreadable") and v["q6.rf"] == "correct"),
    ("deep.yaml", DEEP_YAML, None),
    ("deep-block.yaml", NESTED_BLOCK_YAML, None),
    ("deep.json", '{"student": "s003", "answers": {"q6.rf": ' + "[" * 100_000 + "]" * 100_000 + "}}", None),
    ("spaces.md", "student: s003" + " " * 200_000 + "\nq6.rf: 5\n", lambda v: v["q6.rf"] == "correct"),
    ("spaces2.md", "student: s003\nq6.rf" + " " * 200_000 + "x\n- q6.jump:" + " " * 200_000 + "1\n",
     lambda v: v["q6.jump"] == "correct"),
    ("laughs.yaml", LAUGHS, None),
    ("tag.yaml", "student: s003\nanswers: !!python/object/apply:os.system [echo pwned]\n", None),
    ("tag2.yaml", "student: !!str s003\nanswers: {q6.rf: !!int '5'}\n", None),
    ("dup.json", '{"student": "s003", "answers": {"q6.rf": "5", "q6.rf": "4"}}', None),
    ("dup.yaml", "student: s003\nanswers:\n  q6.rf: 5\n  q6.rf: 4\n", None),
    ("dup.csv", "student,q6.rf,q6.rf\ns003,5,4\n", None),
    ("case.yaml", "student: s003\nanswers:\n  Q6.RF: 5\n  q6.JUMP: 1\n  q9.nothing: 3\n",
     lambda v: v["q6.rf"] == "correct" and v["q6.jump"] == "correct"),
    ("mc-no.yaml", "student: s003\nanswers:\n  q3.answer: no\n", lambda v: v["q3.answer"] != "correct"),
    ("mc-n.json", _sheet("s003", {"q3.answer": "n"}), lambda v: v["q3.answer"] != "correct"),
    ("mc-false.json", _sheet("s003", {"q3.answer": "false"}), lambda v: v["q3.answer"] != "correct"),
    ("mc-incorrect.md", "student: s003\nq3.answer: incorrect\n", lambda v: v["q3.answer"] != "correct"),
    ("mc-bool.json", '{"student": "s003", "answers": {"q3.answer": false}}', lambda v: v["q3.answer"] != "correct"),
    ("mc-f.md", "student: s003\nq3.answer: (f)\n", lambda v: v["q3.answer"] == "correct"),
    ("binary.yaml", bytes(range(256)) * 40, None),
    ("binary.pdf", b"%PDF-1.4\n" + bytes(range(256)) * 40, None),
    ("nul.md", "student: s003\x00\nq6.rf: 5\x00\n", None),
    ("huge-key.yaml", "student: s003\nanswers:\n  " + "q" * 100_000 + ".rf: 5\n", None),
    ("many.yaml", "student: s003\nanswers:\n" + "".join(f"  q{i}.x: {i}\n" for i in range(5000)), None),
    ("list.json", json.dumps([{"student": "s003", "answers": RIGHT}, 5, None, "x", [[[]]]]),
     lambda v: v["q6.rf"] == "correct"),
    ("unicode.md", "student: s003\nq6.rf: ５\nq6.jump: ¹\nq1.steps_per_epoch: ３２\u200b\n", lambda v: "q6.rf" in v),
    ("dup.md", "student: s003\nq6.rf: 5\nq6.rf: 4\n", None),
    ("bundle.zip", None, None),  # filled in below: an archive of hostile members
    ("expr.json", _sheet("s003", {**RIGHT, "q6.rf": "9" * 400 + "!", "q6.jump": "2^2^2^2^2^2^2^2",
                                  "q1.total_updates": "(" * 5000 + "1" + ")" * 5000}),
     lambda v: v["q1.steps_per_epoch"] == "correct"),
]


def _bundle(sid: str) -> bytes:
    """A zip of hostile members (aliases, depth, a device-like name, ``..``, a bomb ratio)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a/laughs.yaml", LAUGHS.replace("s003", sid))
        zf.writestr("a/deep.json", json.dumps({"student": sid, "answers": {"q6.rf": "X"}}).replace('"X"', "[" * 5000 + "]" * 5000))
        zf.writestr("../escape.yaml", f"student: {sid}\nanswers: {{q6.rf: 5}}\n")
        zf.writestr("bomb.md", f"student: {sid}\n" + " " * 1_500_000)
        zf.writestr("inner.zip", b"PK\x03\x04")
    return buf.getvalue()


HOSTILE_IDS = [f"h{i:02d}" for i in range(len(GRADE_ATTACKS))]


@pytest.fixture(scope="module")
def hostile_class(exam_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], dict]:
    """One class: the two good students and every hostile file of GRADE_ATTACKS (each under its own
    student id), graded in one run."""
    tmp = tmp_path_factory.mktemp("class")
    subs = _class(tmp)
    for sid, (name, content, _) in zip(HOSTILE_IDS, GRADE_ATTACKS):
        if content is None:
            (subs / f"{sid}-{name}").write_bytes(_bundle(sid))
            continue
        blob = content.encode() if isinstance(content, str) else content
        (subs / f"{sid}-{name}").write_bytes(blob.replace(b"s003", sid.encode()))
    return _grade(exam_dir, tmp)


@pytest.mark.parametrize(("sid", "name", "check"), [(sid, a[0], a[2]) for sid, a in zip(HOSTILE_IDS, GRADE_ATTACKS)],
                         ids=[a[0] for a in GRADE_ATTACKS])
def test_grade_one_hostile_file_never_stops_the_class(hostile_class: tuple, sid: str, name: str,
                                                      check: Callable[[dict], bool] | None) -> None:
    done, results = hostile_class
    assert done.returncode == 0, done.stderr[-2000:]
    student = _student(results, sid)
    if check is None:  # refused as a whole: reported, never graded from a partial reading
        assert student["status"] == "no submission", student
        assert any(name in p["source"] for p in results["problems"] if p["fatal"]), [p for p in results["problems"]
                                                                                      if name in p["source"]]
        if name == "bundle.zip":  # every member is refused for its own reason
            why = {p["source"].split(":", 1)[1]: p["message"] for p in results["problems"] if name in p["source"]}
            assert "aliases" in why["a/laughs.yaml"] and "nested" in why["a/deep.json"], why
            assert "leaving the archive" in why["../escape.yaml"] and "compressed more than" in why["bomb.md"], why
    else:
        assert student["status"] == "graded", (student, [p for p in results["problems"] if name in p["source"]])
        assert check(_verdicts(results, sid)), _verdicts(results, sid)


def test_grade_unmatched_part_ids_and_duplicates_are_reported(exam_dir: Path, tmp_path: Path) -> None:
    subs = _class(tmp_path)
    (subs / "s003.yaml").write_text("student: s003\nanswers:\n  q6.rf: 5\n  q9.nothing: 3\n  Q6.RF: 4\n")
    done, results = _grade(exam_dir, tmp_path)
    assert "q9.nothing" in done.stderr and "Q6.RF" in done.stderr
    assert _verdicts(results, "s003")["q6.rf"] == "correct"  # the exact id wins; the other spelling is reported


@pytest.mark.parametrize("raw", ["001234", "1234.0"])
def test_grade_yaml_ids_stay_strings(exam_dir: Path, tmp_path: Path, raw: str) -> None:
    subs = _class(tmp_path)
    (subs / "d.yaml").write_text(f"student: {raw}\nanswers:\n  q6.rf: 5\n")
    (subs / "e.yaml").write_text("student: s003\nanswers:\n  q6.rf: 12:30\n  q6.jump: 0x1F\n  q1.total_updates: 1_000\n")
    done, results = _grade(exam_dir, tmp_path)
    if raw == "001234":
        assert _student(results, "001234")["status"] == "graded"
    else:
        assert _student(results, "001234")["status"] == "no submission"
        assert any("1234.0" in p["message"] for p in results["problems"])
    assert _verdicts(results, "s003")["q6.jump"] != "correct"  # 0x1F is not 31 here: it is text
    assert set(_verdicts(results, "s003").values()) <= {"incorrect", "unreadable", "missing"}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
@pytest.mark.parametrize("kind", ["fifo-in-folder", "fifo-given", "dev-zero-given", "link-to-dev-zero", "socket"])
def test_grade_devices_and_fifos_are_refused_without_hanging(exam_dir: Path, tmp_path: Path, kind: str) -> None:
    subs = _class(tmp_path)
    extra: list[Path] = []
    if kind == "fifo-in-folder":
        os.mkfifo(subs / "s003.yaml")
    elif kind == "fifo-given":
        os.mkfifo(tmp_path / "s003.yaml")
        extra.append(tmp_path / "s003.yaml")
    elif kind == "dev-zero-given":
        extra.append(Path("/dev/zero"))
    elif kind == "link-to-dev-zero":
        (tmp_path / "z.yaml").symlink_to("/dev/zero")
        extra.append(tmp_path / "z.yaml")
    else:
        import socket

        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(subs / "s003.md"))
    (tmp_path / "out").mkdir()
    before = snapshot(tmp_path, skip=(tmp_path / "out",))
    done = nnexam("grade", exam_dir / "out" / "key.json", subs, *extra, "--out", tmp_path / "out" / "g.csv", "--json",
                  tmp_path / "out" / "r.json", cwd=tmp_path, timeout=30)
    assert done.returncode == 0 and ("not a regular file" in done.stderr or "a link" in done.stderr), done.stderr
    assert snapshot(tmp_path, skip=(tmp_path / "out",)) == before
    results = json.loads((tmp_path / "out" / "r.json").read_text())
    assert [s["status"] for s in results["students"] if s["student"] in GOOD] == ["graded", "graded"]


@pytest.mark.parametrize("what", ["key-dev-zero", "key-fifo", "key-deep", "key-digits", "key-dup"])
def test_grade_unusable_key_is_exit_1(exam_dir: Path, tmp_path: Path, what: str) -> None:
    subs = _class(tmp_path)
    key = tmp_path / "key.json"
    if what == "key-dev-zero":
        key = Path("/dev/zero")
    elif what == "key-fifo":
        os.mkfifo(key)
    elif what == "key-deep":
        key.write_text("[" * 100_000 + "]" * 100_000)
    elif what == "key-digits":
        key.write_text('{"format": ' + BIG + "}")
    else:
        key.write_text('{"format": "nnexam-key", "format": "x"}')
    done = nnexam("grade", key, subs, "--out", tmp_path / "g.csv", cwd=tmp_path, timeout=30)
    assert done.returncode == 1 and done.stderr.startswith("error: ") and len(done.stderr.splitlines()) == 1, done.stderr
    assert not (tmp_path / "g.csv").exists()


def test_grade_outputs_refused_before_any_work(exam_dir: Path, tmp_path: Path) -> None:
    subs = _class(tmp_path)
    export = tmp_path / "export.csv"
    export.write_text("student,q6.rf\ns003,5\n")
    key = exam_dir / "out" / "key.json"
    key_bytes = key.read_bytes()
    cases = [
        ("--out", export, [export]),  # the CSV being graded
        ("--json", key, [subs]),  # the key
        ("--feedback", subs, [subs]),  # the submissions folder
        ("--report", subs / "inner", [subs]),  # inside the submissions folder
        ("--out", tmp_path / "missing" / "g.csv", [subs]),  # a folder that does not exist
        ("--out", export / "g.csv", [subs]),  # a path under a file
        ("--json", tmp_path / "nope" / "r.json", [subs]),
        ("--feedback", export / "fb", [subs]),
    ]
    for option, path, inputs in cases:
        before = snapshot(tmp_path)
        args = ["--out", tmp_path / "g.csv"] if option != "--out" else []
        done = nnexam("grade", key, *inputs, option, path, *args, cwd=tmp_path, timeout=30)
        assert done.returncode == 1 and "error:" in done.stderr, (option, path, done.stderr)
        assert snapshot(tmp_path) == before, (option, path)
        assert key.read_bytes() == key_bytes


def test_grade_writes_atomically_without_following_planted_links_and_with_umask_modes(exam_dir: Path, tmp_path: Path) -> None:
    subs = _class(tmp_path)
    out = tmp_path / "out"
    (out / "fb").mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch\n")
    (out / "fb" / "s001.md").symlink_to(victim)
    (out / "fb" / "s001.html").symlink_to(victim)
    (out / "results.json").symlink_to(victim)
    old = out / "grades.csv"
    old.write_text("old\n")
    old.chmod(0o664)
    done = nnexam("grade", exam_dir / "out" / "key.json", subs, "--out", old, "--json", out / "results.json",
                  "--feedback", out / "fb", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "do not touch\n"
    assert not (out / "fb" / "s001.md").is_symlink() and "s001" in (out / "fb" / "s001.md").read_text()
    for p in (old, out / "results.json", out / "fb" / "s001.md"):
        assert stat.S_IMODE(p.stat().st_mode) == 0o664, p  # 0666 & ~umask 002, never 0600
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


# --------------------------------------------------------------------------------------------- generate


def _exam_tree(tmp: Path, exam: str = EXAM, roster: str = ROSTER) -> Path:
    (tmp / "bank.toml").write_text(BANK)
    (tmp / "exam.toml").write_text(exam)
    (tmp / "roster.csv").write_text(roster)
    return tmp


GENERATE_ATTACKS: list[tuple[str, Callable[[Path], list[str | Path]]]] = [
    ("seed-digits", lambda t: [(t / "exam.toml").write_text(EXAM.replace("seed = 1", f"seed = {BIG}")), "exam.toml"][1:]),
    ("deep-toml", lambda t: [(t / "exam.toml").write_text(EXAM + "x = " + "[" * 5000 + "]" * 5000 + "\n"), "exam.toml"][1:]),
    ("param-digits", lambda t: [(t / "exam.toml").write_text(EXAM.replace("samples = 1000", f"samples = {BIG}")),
                                "exam.toml"][1:]),
    ("exam-dev-zero", lambda t: ["/dev/zero"]),
    ("exam-fifo", lambda t: [os.mkfifo(t / "f.toml"), "f.toml"][1:]),
    ("roster-fifo", lambda t: [os.mkfifo(t / "r.csv"), "exam.toml", "--roster", "r.csv"][1:]),
    ("roster-dev-zero", lambda t: ["exam.toml", "--roster", "/dev/zero"]),
    ("bank-dev-zero", lambda t: [(t / "exam.toml").write_text(EXAM.replace('"bank.toml"', '"/dev/zero"')), "exam.toml"][1:]),
    ("bank-fifo", lambda t: [os.mkfifo(t / "b.toml"), (t / "exam.toml").write_text(EXAM.replace('"bank.toml"', '"b.toml"')),
                             "exam.toml"][2:]),
    ("bank-yaml-laughs", lambda t: [(t / "b.yaml").write_text(LAUGHS.replace("student: s003\nanswers: {q1.steps_per_epoch: *i}\n",
                                                                             "items: *i\n")),
                                    (t / "exam.toml").write_text(EXAM.replace('"bank.toml"', '"b.yaml"')), "exam.toml"][2:]),
    ("bank-yaml-tags", lambda t: [(t / "b.yaml").write_text("items: !!python/object/apply:os.system [echo pwned]\n"),
                                  (t / "exam.toml").write_text(EXAM.replace('"bank.toml"', '"b.yaml"')), "exam.toml"][2:]),
    ("text-class", lambda t: [(t / "exam.toml").write_text(EXAM.replace('id = "q1"', 'id = "q1"\ntext = "{__class__} {samples.real}"')),
                              "exam.toml"][1:]),
    ("text-index", lambda t: [(t / "exam.toml").write_text(EXAM.replace('id = "q2"', 'id = "q2"\ntext = "{logits[0]}"')),
                              "exam.toml"][1:]),
    ("roster-digits", lambda t: [(t / "roster.csv").write_text("id\n" + BIG + "\n"), "exam.toml", "--roster", "roster.csv"][1:]),
    ("roster-dup-columns", lambda t: [(t / "roster.csv").write_text("id,id\na,b\n"), "exam.toml", "--roster", "roster.csv"][1:]),
]


@pytest.mark.parametrize(("name", "setup"), GENERATE_ATTACKS, ids=[a[0] for a in GENERATE_ATTACKS])
def test_generate_hostile_inputs(tmp_path: Path, name: str, setup: Callable[[Path], list[str | Path]]) -> None:
    _exam_tree(tmp_path)
    args = setup(tmp_path)
    before = snapshot(tmp_path)
    done = nnexam("generate", *args, "--out", "out", "--format", "md", "--jobs", "1", cwd=tmp_path, timeout=40)
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1, done.stderr[-2000:]
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "out").exists()


def test_generate_outputs_refused_before_any_work(tmp_path: Path) -> None:
    _exam_tree(tmp_path)
    (tmp_path / "file").write_text("x")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine\n")
    for out in (".", "file", "file/sub", "mine"):  # holds the inputs; a file; under a file; foreign files
        before = snapshot(tmp_path)
        done = nnexam("generate", "exam.toml", "--out", out, "--format", "md", cwd=tmp_path, timeout=40)
        assert done.returncode in (1, 2) and "rror: " in done.stderr, (out, done.stderr)  # 2: click's own check
        assert snapshot(tmp_path) == before, out


def test_generate_templates_links_outside_are_refused(tmp_path: Path) -> None:
    _exam_tree(tmp_path)
    (tmp_path / "secret.txt").write_text("secret\n")
    tpl = tmp_path / "tpl"
    tpl.mkdir()
    (tpl / "secret.txt").symlink_to(tmp_path / "secret.txt")
    done = nnexam("generate", "exam.toml", "--out", "out", "--format", "md", "--templates", tpl, cwd=tmp_path, timeout=40)
    assert done.returncode == 1 and "outside the templates folder" in done.stderr, done.stderr


def test_generate_replaces_a_previous_output_whole_without_following_links(tmp_path: Path) -> None:
    _exam_tree(tmp_path)
    done = nnexam("generate", "exam.toml", "--roster", "roster.csv", "--out", "out", "--format", "md", "--jobs", "1",
                  cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch\n")
    (tmp_path / "out" / "key.json").unlink()
    (tmp_path / "out" / "key.json").symlink_to(victim)
    (tmp_path / "out" / "sheets" / "s001.yaml").unlink()
    (tmp_path / "out" / "sheets" / "s001.yaml").symlink_to(victim)
    (tmp_path / "roster.csv").write_text("id\ns001\n")
    done = nnexam("generate", "exam.toml", "--roster", "roster.csv", "--out", "out", "--format", "md", "--jobs", "1",
                  cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert victim.read_text() == "do not touch\n"
    key = json.loads((tmp_path / "out" / "key.json").read_text())
    assert [s["student"] for s in key["students"]] == ["s001"]
    assert sorted(p.name for p in (tmp_path / "out" / "sheets").iterdir()) == ["s001.yaml"]  # no stale s002
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o775
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bank.toml", "exam.toml", "out", "roster.csv", "victim.txt"]


# --------------------------------------------------------------------------------------------- answer

ANSWER_ATTACKS = [
    ["training-steps", "--set", f"samples={BIG}", "--set", "batch_size=2", "--set", "epochs=1"],
    ["training-steps", "--set", "samples=" + "[" * 50_000 + "]" * 50_000],
    ["training-steps", "--set", "samples=1e309", "--set", "batch_size=1", "--set", "epochs=1"],
    ["softmax", "--set", f"logits=[{BIG}, 1]"],
    ["softmax", "--set", "logits=[1e309, 1]"],
    ["softmax", "--set", 'logits={"__class__": 1}'],
    ["receptive-field", "--set", "layers=" + json.dumps([{"kernel": 3}] * 5000)],
    ["conv2d-output", "--set", "input=[[1]]", "--set", "kernel=[[1]]", "--set", f"padding={10**6}"],
    ["param-count", "--set", "model=" + "Dense(" * 3000 + ")" * 3000],
]


@pytest.mark.parametrize("args", ANSWER_ATTACKS, ids=[f"answer-{i}" for i in range(len(ANSWER_ATTACKS))])
def test_answer_hostile_parameters(tmp_path: Path, args: list[str]) -> None:
    done = nnexam("answer", *args, cwd=tmp_path, timeout=40)
    assert done.returncode in (0, 1, 2)
    assert not list(tmp_path.iterdir())


# --------------------------------------------------------------------------------------------- verify

CLAIMS = """model: |
  model = keras.Sequential([keras.Input(shape=(64,)), layers.Dense(32, activation="sigmoid"), layers.Dense(10, activation="softmax")])
dataset: digits
training: {optimizer: sgd, learning_rate: 0.1, batch_size: 32, epochs: 1, loss: sparse_categorical_crossentropy}
claims:
  - {what: total_params, value: 2410}
"""
HUGE_MODEL = """model: |
  model = keras.Sequential([keras.Input(shape=(40000,)), layers.Dense(40000), layers.Dense(10)])
claims:
  - {what: total_params, value: 1600440010}
  - {what: output_shape, value: [null, 10]}
"""

VERIFY_ATTACKS: list = [
    ("laughs-bindings", LAUGHS.replace("student: s003\nanswers: {q1.steps_per_epoch: *i}\n", "") + CLAIMS + "bindings: *i\n",
     "aliases"),
    ("laughs-value", LAUGHS.replace("student: s003\nanswers: {q1.steps_per_epoch: *i}\n", "")
     + CLAIMS.replace("value: 2410", "value: *i"), "aliases"),
    ("deep", CLAIMS + "name: " + "[" * 1000 + "]" * 1000 + "\n", "nested"),
    ("digits-value", CLAIMS.replace("2410", BIG), "digits"),
    ("digits-epochs", CLAIMS.replace("epochs: 1", f"epochs: {BIG}"), "digits"),
    ("tag", CLAIMS + "name: !!python/object/apply:os.system [echo pwned]\n", "tags"),
    ("dup", CLAIMS + "dataset: digits\n", "duplicate"),
    ("optimizer-list", CLAIMS.replace("optimizer: sgd", "optimizer: [sgd]"), "training.optimizer"),
    ("loss-number", CLAIMS.replace("loss: sparse_categorical_crossentropy", "loss: 5"), "training.loss"),
    ("beta-list", CLAIMS.replace("epochs: 1,", "epochs: 1, beta_1: [1, 2],"), "training.beta_1"),
    ("metric", CLAIMS.replace("epochs: 1,", "epochs: 1, metrics: [frobnicate],"), "training.metrics"),
    ("nesterov", CLAIMS.replace("epochs: 1,", "epochs: 1, nesterov: yes,"), "training.nesterov"),
    ("lr-inf", CLAIMS.replace("learning_rate: 0.1", "learning_rate: .inf"), "training.learning_rate"),
    pytest.param("budget", CLAIMS.replace("batch_size: 32, epochs: 1", "batch_size: 1, epochs: 10000")
                 + "  - {what: accuracy, value: 0.9}\n", "--max-train-minutes",
                 marks=[pytest.mark.torch, pytest.mark.sklearn], id="budget"),
    ("octal-id", CLAIMS.replace("value: 2410", "value: 04552"), ""),
]


@pytest.mark.parametrize(("name", "text", "needle"), VERIFY_ATTACKS,
                         ids=[a[0] if isinstance(a, tuple) else a.id for a in VERIFY_ATTACKS])
def test_verify_hostile_claims(tmp_path: Path, name: str, text: str, needle: str) -> None:
    (tmp_path / "claims.yaml").write_text(text)
    before = snapshot(tmp_path)
    mem = 8 * 2**30 if name == "budget" else MEM_CAP  # the budget needs the backend's version (imports torch)
    done = nnexam("verify", "claims.yaml", "--json", "out.json", "--quiet", cwd=tmp_path, mem=mem, timeout=120)
    if name == "octal-id":  # 04552 is text, not the octal 2410: refuted, never confirmed
        assert done.returncode == 0 and "refuted" in done.stdout, done.stdout + done.stderr
        return
    assert done.returncode == 1, done.stdout + done.stderr
    assert needle in done.stderr and "claims.yaml" in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert snapshot(tmp_path) == before


def test_verify_static_claims_never_allocate(tmp_path: Path) -> None:
    """1.6e9 parameters (6.4 GB as float32) under a 3 GiB address space: the analyser's arithmetic only."""
    (tmp_path / "claims.yaml").write_text(HUGE_MODEL)
    done = nnexam("verify", "claims.yaml", "--quiet", cwd=tmp_path, timeout=60)
    assert done.returncode == 0 and "2 confirmed" in done.stdout, done.stdout + done.stderr


def _npz_bomb(path: Path) -> None:
    """An .npz whose x_train header claims 10^12 floats, in a few bytes."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f4", "fortran_order": False, "shape": (10**6, 10**6)})
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("x_train.npy", buf.getvalue() + b"\0" * 64)
        zf.writestr("y_train.npy", buf.getvalue())


def _npz_zeros(path: Path) -> None:
    """A real, highly compressible .npz (a zip bomb by ratio)."""
    np.savez_compressed(path, x_train=np.zeros((4000, 2000), np.float32), y_train=np.zeros(4000, np.int64))


@pytest.mark.parametrize("kind", ["npz-header", "npz-ratio", "npz-object", "csv-fifo", "csv-dev-zero", "claims-dev-zero",
                                  "csv-digits", "json-is-input", "json-under-file", "curves-is-input"])
def test_verify_unbounded_inputs_and_outputs(tmp_path: Path, kind: str) -> None:
    claims = CLAIMS.replace("model = keras.Sequential([keras.Input(shape=(64,))",
                            "model = keras.Sequential([keras.Input(shape=(4,))") + "  - {what: dataset_size, value: 3}\n"
    extra: list[str] = ["--json", "out.json"]
    target = "claims.yaml"
    if kind == "npz-header":
        _npz_bomb(tmp_path / "d.npz")
        claims = claims.replace("dataset: digits", "dataset: d.npz")
    elif kind == "npz-ratio":
        _npz_zeros(tmp_path / "d.npz")
        claims = claims.replace("dataset: digits", "dataset: d.npz")
    elif kind == "npz-object":
        np.savez(tmp_path / "d.npz", x_train=np.array([object()] * 3), y_train=np.zeros(3))
        claims = claims.replace("dataset: digits", "dataset: d.npz")
    elif kind == "csv-fifo":
        os.mkfifo(tmp_path / "d.csv")
        claims = claims.replace("dataset: digits", "dataset: d.csv")
    elif kind == "csv-dev-zero":
        (tmp_path / "d.csv").symlink_to("/dev/zero")
        claims = claims.replace("dataset: digits", "dataset: d.csv")
    elif kind == "claims-dev-zero":
        target = "/dev/zero"
    elif kind == "csv-digits":
        (tmp_path / "d.csv").write_text(f"label,a,b,c,d\n{BIG},1,2,3,4\n")
        claims = claims.replace("dataset: digits", "dataset: d.csv")
    elif kind == "json-is-input":
        extra = ["--json", "claims.yaml"]
    elif kind == "json-under-file":
        extra = ["--json", "claims.yaml/out.json"]
    else:
        extra = ["--curves", "."]
    (tmp_path / "claims.yaml").write_text(claims)
    before = snapshot(tmp_path)
    done = nnexam("verify", target, *extra, "--quiet", cwd=tmp_path, timeout=60)
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert snapshot(tmp_path) == before


# --------------------------------------------------------------------------------------------- audit

REPORT = """# Report
```python
model = keras.Sequential([keras.Input(shape=(64,)), layers.Dense(32), layers.Dense(10, activation="softmax")])
```
The model has 2,410 parameters.
"""


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "json-is-input", "json-missing-folder", "digits", "binary",
                                  "pdf-garbage", "bind-digits", "bind-deep"])
def test_audit_hostile_reports(tmp_path: Path, kind: str) -> None:
    report: str | Path = "report.md"
    (tmp_path / "report.md").write_text(REPORT)
    extra: list[str] = []
    expect = 1
    if kind == "dev-zero":
        report = "/dev/zero"
    elif kind == "fifo":
        os.mkfifo(tmp_path / "r.md")
        report = "r.md"
    elif kind == "json-is-input":
        extra = ["--json", "report.md"]
    elif kind == "json-missing-folder":
        extra = ["--json", "nope/out.json"]
    elif kind == "digits":  # the audit's own readers belong to grader/audit; the CLI keeps it to one line
        (tmp_path / "report.md").write_text(REPORT + f"\nThe model has {BIG} parameters.\n")
        expect = 0
    elif kind == "binary":
        (tmp_path / "report.md").write_bytes(bytes(range(256)) * 100)
        expect = 0
    elif kind == "pdf-garbage":
        (tmp_path / "r.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 100)
        report = "r.pdf"
    elif kind == "bind-digits":
        extra = ["--bind", f"num_classes={BIG}"]
        expect = 0
    else:
        extra = ["--bind", "num_classes=" + "[" * 50_000 + "]" * 50_000]
        expect = 0
    before = snapshot(tmp_path)
    done = nnexam("audit", report, *extra, "--quiet", cwd=tmp_path, timeout=60)
    assert done.returncode == expect or (kind.startswith(("bind", "digits")) and done.returncode == 1), done.stdout + done.stderr
    if done.returncode == 1:
        assert done.stderr.startswith("error: ") and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert snapshot(tmp_path) == before


# --------------------------------------------------------------------------------------------- kill -9


def _kill_at_random(cmd: list[str], cwd: Path, delays: list[float]) -> list[subprocess.CompletedProcess | None]:
    import time

    out = []
    for delay in delays:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env={**os.environ, "KERAS_BACKEND": "torch"})
        time.sleep(delay)
        p.kill()
        p.wait()
        out.append(None)
    return out


@pytest.mark.slow
def test_kill_9_during_grade_leaves_old_or_new_outputs_whole(exam_dir: Path, tmp_path: Path) -> None:
    import random

    subs = _class(tmp_path)
    for i in range(60):  # a class big enough that the kill lands inside the work
        (subs / f"x{i}.json").write_text(_sheet("s003", RIGHT))
    out = tmp_path / "out"
    out.mkdir()
    cmd = [sys.executable, "-m", "nnexam", "grade", str(exam_dir / "out" / "key.json"), str(subs), "--out",
           str(out / "g.csv"), "--json", str(out / "r.json"), "--feedback", str(out / "fb"), "-q"]
    subprocess.run(cmd, check=True, capture_output=True)
    versions = {"g.csv": {(out / "g.csv").read_bytes()}, "r.json": {(out / "r.json").read_bytes()}}
    (subs / "s002.json").write_text(_sheet("s002", {**RIGHT, "q6.rf": "4"}))  # the new run differs
    subprocess.run(cmd, check=True, capture_output=True)
    versions["g.csv"].add((out / "g.csv").read_bytes())
    versions["r.json"].add((out / "r.json").read_bytes())
    assert all(len(v) == 2 for v in versions.values())
    rng = random.Random(14)
    _kill_at_random(cmd, tmp_path, [rng.uniform(0.2, 2.5) for _ in range(20)])
    for name, seen in versions.items():
        assert (out / name).read_bytes() in seen, name  # the previous outputs or the new ones, whole
    for fb in (out / "fb").iterdir():
        if fb.name.startswith(".") and fb.suffix == ".tmp":
            continue  # a killed run's hidden temporary file, never under a real name
        assert fb.suffix in (".md", ".html"), fb
        assert fb.read_text().strip()
    assert csv.reader(io.StringIO((out / "g.csv").read_text()))


@pytest.mark.slow
def test_kill_9_during_generate_leaves_old_or_new_folder_whole(tmp_path: Path) -> None:
    import random

    _exam_tree(tmp_path, roster="id\n" + "".join(f"s{i:03d}\n" for i in range(12)))
    cmd = [sys.executable, "-m", "nnexam", "generate", "exam.toml", "--roster", "roster.csv", "--out", "out", "--format",
           "md", "--jobs", "1"]
    subprocess.run(cmd, cwd=tmp_path, check=True, capture_output=True)

    def state() -> dict[str, bytes]:
        return {str(p.relative_to(tmp_path / "out")): p.read_bytes() for p in sorted((tmp_path / "out").rglob("*")) if p.is_file()}

    first = state()
    (tmp_path / "exam.toml").write_text(EXAM.replace("seed = 1", "seed = 2"))
    subprocess.run(cmd, cwd=tmp_path, check=True, capture_output=True)
    second = state()
    assert first != second and first.keys() == second.keys()
    rng = random.Random(14)
    for i in range(20):
        (tmp_path / "exam.toml").write_text(EXAM.replace("seed = 1", f"seed = {1 + i % 2}"))
        _kill_at_random(cmd, tmp_path, [rng.uniform(0.3, 4.0)])
        assert state() in (first, second), f"kill {i}: a mix of two generations"
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.nnexam-staging-")]
    subprocess.run(cmd, cwd=tmp_path, check=True, capture_output=True)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.nnexam-staging-")], leftovers
