"""Run every benchmark workload and print (or write, with --markdown) the tables.

    python benchmarks/run_all.py                      # full run, a few minutes
    python benchmarks/run_all.py --quick              # smoke test, well under 30 s
    python benchmarks/run_all.py --markdown results.md
    python benchmarks/run_all.py --libs minigrad,torch,numpy
"""

import _harness as harness  # first: it pins thread pools before NumPy loads

import cnn
import import_time
import linear_regression
import memory
import mlp
import tiny_ops
import training_loop
import two_layer_net
import vmap_per_example

# Cheap, in-process workloads first; the subprocess-based ones last.
WORKLOADS = [two_layer_net, linear_regression, tiny_ops, mlp, training_loop, cnn,
             vmap_per_example, import_time, memory]

if __name__ == "__main__":
    harness.main([module.run for module in WORKLOADS], __doc__.splitlines()[0])
