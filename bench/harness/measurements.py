"""The list of measurements one round runs, in the order of the first round (later rounds rotate it).

A measurement is any object with:
  key       its key in the results (also what BENCH_ONLY selects)
  title     what it is, for people
  describe() -> dict   how it is measured, for the results' "method" (images, commands, versions)
  warm_up()            run once before the first round; its figures are thrown away
  measure() -> dict    one round's raw figures (numbers, or nested dicts of numbers)
  close()              remove whatever it left running; called once at the end, also after a failure

The ratios and targets built on a measurement's figures live in derived.py.

Rows to add here later, each its own measurement (not implemented yet):
  - "serve-invoke":   `pylambda serve`'s HTTP invoke against a direct warm dispatcher call
  - "boto3-invoke":   a boto3 `lambda.invoke` round trip against serve's AWS Lambda-compatible API
  - "dependency-set": building a function package's Python dependency set, and reusing a built one
"""
from .cli import CliWarmRunMeasurement
from .context import Context
from .dispatcher import DispatcherMeasurement
from .servers import ServerMeasurement, server_specs


def build_measurements(context: Context) -> list:
    measurements = [
        *(ServerMeasurement(spec, context) for spec in server_specs(context.config)),
        DispatcherMeasurement(context),
        CliWarmRunMeasurement(context),
    ]
    only = context.config.only
    if only is not None:
        unknown = only - {measurement.key for measurement in measurements}
        if unknown:
            known = ", ".join(measurement.key for measurement in measurements)
            raise ValueError(f"BENCH_ONLY names {', '.join(sorted(unknown))}; the measurements are: {known}")
        measurements = [measurement for measurement in measurements if measurement.key in only]
    return measurements
