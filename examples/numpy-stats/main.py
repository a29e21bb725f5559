"""Summary statistics with numpy, installed from requirements.txt into a read-only dependency set."""

import numpy as np


def entrypoint(data):
    values = np.asarray(data.get("values", []), dtype=float)
    if values.size == 0:
        raise ValueError('give {"values": [numbers...]}')
    matrix = np.arange(4, dtype=float).reshape(2, 2)
    return {
        "count": int(values.size),
        "mean": float(values.mean()),
        "std": float(values.std()),
        "matrix_product": (matrix @ matrix).tolist(),
        "numpy": np.__version__,
    }
