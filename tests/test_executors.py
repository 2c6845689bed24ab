"""Executors: the registry, the worker-side dataset message, and ``--executor ray`` on a local Ray
cluster giving the same verdicts as ``local`` (one module-scoped cluster: Ray takes seconds to start)."""

from __future__ import annotations

import pytest
from nnexam.grader import datasets, train_cache
from nnexam.grader.backends.base import TrainConfig
from nnexam.grader.executors import registry
from nnexam.questions.errors import NnexamError, UnknownNameError
from nnexam.questions.model_analyser import analyse

MODEL = "model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation='relu'), layers.Dense(2, activation='softmax')])"


def test_unknown_executor_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="unknown executor 'dask'.*local, ray"):
        registry.get("dask")
    assert registry.get(None).name == "local"


def test_a_worker_without_the_dataset_says_so(tmp_path):
    job = train_cache.Job(analyse(MODEL), datasets.DataRef(str(tmp_path / "absent.csv")), TrainConfig(), 0, "torch")
    with pytest.raises(NnexamError, match=r"on host .*absent.csv: .*(not found|no such file).*--data-dir and dataset files "
                                          r"must exist on every machine"):
        train_cache.run_task(train_cache.Task((job,)), lambda *a: None)


@pytest.fixture(scope="module")
def ray_cluster():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


@pytest.mark.ray
@pytest.mark.torch
def test_ray_gives_the_verdicts_of_local_and_fills_the_same_cache(ray_cluster, tmp_path, monkeypatch):
    from nnexam.grader import class_verify
    from test_class_verify import write_class

    paths = write_class(tmp_path / "class", n=4, configs=2)
    monkeypatch.setenv("NNEXAM_CACHE", str(tmp_path / "local-cache"))
    local, s_local = class_verify.verify_class(paths, backend="torch", seeds=2, executor="local")
    monkeypatch.setenv("NNEXAM_CACHE", str(tmp_path / "ray-cache"))
    on_ray, s_ray = class_verify.verify_class(paths, backend="torch", seeds=2, executor="ray")
    assert s_local.trained == s_ray.trained == 4 and s_ray.tasks == 2
    assert all(r.error is None for r in on_ray)
    assert [[v.as_dict() for v in r.verdicts] for r in on_ray] == [[v.as_dict() for v in r.verdicts] for r in local]
    again, s_again = class_verify.verify_class(paths, backend="torch", seeds=2, executor="ray")
    assert s_again.trained == 0 and s_again.cached == 4
    # each epoch's progress comes back from the workers (2 seeds x 3 epochs), before the task's result
    from nnexam.grader import claims

    jobs = claims.training_jobs(claims.read(paths[0]), "torch", 2)
    epochs: list[tuple] = []
    results = list(registry.get("ray").run([train_cache.Task(tuple(jobs))], lambda *msg: epochs.append(msg)))
    assert len(results) == 1 and isinstance(results[0][1], list) and len(results[0][1]) == 2
    assert sorted((pos, epoch) for _, pos, epoch, _ in epochs) == [(p, e) for p in (0, 1) for e in (1, 2, 3)]


def test_an_address_where_no_ray_answers_is_refused_at_once():
    import socket
    import time

    from nnexam.grader.executors.ray_executor import RayExecutor

    with socket.socket() as s:  # a free local port: nothing listens there
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.perf_counter()
    with pytest.raises(NnexamError, match=rf"no Ray cluster answers at '127.0.0.1:{port}'.*ray start --head"):
        RayExecutor({"ray_address": f"127.0.0.1:{port}"})._reachable()
    assert time.perf_counter() - start < 10
