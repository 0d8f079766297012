"""The intra-op worker pool from Python: correct results from several threads at once (one
caller gets the pool, the others fall back), and a forked child, which has no workers, still
computes (it must not wait on threads that did not come along)."""
import os
import threading

import numpy as np

from plexus_c import backends, op

RNG = np.random.default_rng(5)


def test_concurrent_callers_get_correct_results():
    a, b = RNG.standard_normal((300, 400)).astype(np.float32), RNG.standard_normal((400, 500)).astype(np.float32)
    expected, failures = a @ b, []

    def work():
        for _ in range(50):
            with backends("cpu"):
                got = op("MatMul", [a, b])[0].numpy()
            if not np.allclose(got, expected, rtol=1e-4, atol=1e-3):
                failures.append(1)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures


def test_a_forked_child_computes_without_the_pool():
    a = RNG.standard_normal((300, 300)).astype(np.float32)
    op("MatMul", [a, a])  # the pool is running in the parent
    pid = os.fork()
    if pid == 0:  # the child must leave through os._exit whatever happens
        ok = False
        try:
            ok = np.allclose(op("MatMul", [a, a])[0].numpy(), a @ a, rtol=1e-4, atol=1e-3)
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert status == 0
