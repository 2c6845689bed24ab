"""``nnexam list`` and ``nnexam answer``."""

from __future__ import annotations

import json
import random

import click

from nnexam.gcpolicy import one_shot


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def list_cmd(as_json: bool) -> None:
    """The question types, their parameters and parts."""
    from nnexam.questions import registry

    fams = registry.families()
    if as_json:
        out = [
            {
                "type": f.type_id,
                "summary": f.summary,
                "params": [
                    {"name": p.name, "expected": p.convert.expected, "required": p.required, "help": p.help}
                    for p in f.params
                ],
                "parts": [{"name": s.name, "kind": s.kind, "help": s.help} for s in f.parts],
                "mistakes": [m.id for m in f.mistakes],
            }
            for f in fams
        ]
        click.echo(json.dumps(out, indent=2))
        return
    for f in fams:
        click.secho(f"{f.type_id}", bold=True, nl=False)
        click.echo(f"  {f.summary}")
        for p in f.params:
            flag = "required" if p.required else f"default {json.dumps(_plain_default(p.default))}"
            click.echo(f"    {p.name:<22} {p.help or p.convert.expected} ({flag})")
        click.echo("    parts: " + ", ".join(s.name for s in f.parts))
        if f.mistakes:
            click.echo("    mistakes: " + ", ".join(m.id for m in f.mistakes))


def _plain_default(value: object) -> object:
    from nnexam.questions.exact import params_json

    return params_json(value)


@click.command("answer")
@click.argument("type_id", metavar="TYPE")
@click.option("--set", "sets", multiple=True, metavar="NAME=VALUE", help="A parameter; VALUE is JSON or a plain string.")
@click.option("--seed", type=int, default=None, help="Draw a random variant (parameters given with --set stay fixed).")
@click.option("--json", "as_json", is_flag=True, help='Print {"type", "params", "parts": {PART: {"exact", "value"}}}.')
@one_shot
def answer_cmd(type_id: str, sets: tuple[str, ...], seed: int | None, as_json: bool) -> None:
    """Solve one instance of TYPE exactly, with worked steps.

    \b
    Examples:
      nnexam answer training-steps --set samples=60000 --set batch_size=32 --set epochs=5
      nnexam answer conv2d-output --set 'input=[[1,2,0],[0,1,3],[2,1,0]]' --set 'kernel=[[1,0],[0,-1]]'
      nnexam answer dense-forward --seed 7
    """
    from nnexam.questions import doc, registry
    from nnexam.questions.exact import exact_str, json_value, params_json
    from nnexam.questions.params import set_values

    family = registry.get(type_id)
    raw = set_values(sets)
    params = family.draw(random.Random(seed), fixed=raw) if seed is not None else family.parse(raw)
    answer = family.solve(params)
    if as_json:
        out = {
            "type": family.type_id,
            "params": params_json(params),
            "parts": {p.name: {"exact": exact_str(p.exact), "value": json_value(p.exact)} for p in answer.parts},
            "steps": doc.plain(answer.steps).splitlines(),
        }
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
        return
    click.secho(f"{family.type_id}", bold=True)
    click.echo(doc.plain(family.statement(params)))
    click.secho("\nWorked solution", bold=True)
    click.echo(doc.plain(answer.steps))
    click.secho("\nAnswer", bold=True)
    layers = next((p for p in answer.parts if p.kind == "table" and p.name == "layers"), None)
    for p in answer.parts:
        if p is layers:
            continue
        exact = exact_str(p.exact)
        value = json_value(p.exact)
        approx = ""
        if isinstance(value, float) and exact != repr(value):
            approx = f"  (≈ {value:.8g})"
        click.echo(f"  {p.name} = {exact}{approx}")
    if layers is not None:
        click.echo("")
        click.echo(summary_table(layers.exact, {p.name: p.exact for p in answer.parts}))


def summary_table(rows: object, totals: dict[str, object]) -> str:
    """The layer table as Keras' ``model.summary()`` prints it: name (type), output shape with the
    batch as None (``?`` where the analyser gives none), parameters; then the totals."""

    def shape(s: object) -> str:
        if s is None:
            return "?"
        dims = ["None", *("None" if d is None else str(d) for d in s)]  # type: ignore[union-attr]
        return "(" + ", ".join(dims) + ")"

    table = [(f"{r['name']} ({r['type']})", shape(r["output_shape"]), f"{r['params']:,}") for r in rows]  # type: ignore[attr-defined, index]
    head = ("Layer (type)", "Output Shape", "Param #")
    w = [max(len(x[i]) for x in [head, *table]) for i in range(3)]
    line = lambda c: f"{c[0]:<{w[0]}}  {c[1]:<{w[1]}}  {c[2]:>{w[2]}}"  # noqa: E731
    out = [line(head), "=" * (w[0] + w[1] + w[2] + 4), *(line(c) for c in table), "=" * (w[0] + w[1] + w[2] + 4)]
    out += [f"Total params: {totals.get('total', 0):,}", f"Trainable params: {totals.get('trainable', 0):,}",
            f"Non-trainable params: {totals.get('non_trainable', 0):,}"]  # fmt: skip
    return "\n".join(out)
