"""The list of measurements one round runs, in the order of the first round (later rounds rotate it).

A measurement is any object with:
  key       its key in the results (also what BENCH_ONLY selects)
  title     what it is, for people
  describe() -> dict   how it is measured, for the results' "method" (images, commands, versions)
  warm_up()            run once before the first round; its figures are thrown away
  measure() -> dict    one round's raw figures (numbers, or nested dicts of numbers)
  close()              remove whatever it left running; called once at the end, also after a failure
  summary(figures) -> str   (optional) one line of a round's figures for the log

Its constructor must start nothing and need nothing installed: every measurement is built, then
BENCH_ONLY picks. The ratios and targets built on a measurement's figures live in derived.py, and the
tables in report.py.
"""
from .boto3_invoke import Boto3InvokeMeasurement
from .cli import CliWarmRunMeasurement
from .context import Context
from .deps import DependencySetMeasurement
from .dispatcher import DispatcherMeasurement
from .serve import ServeMeasurement
from .servers import ServerMeasurement, server_specs


def build_measurements(context: Context) -> list:
    measurements = [
        *(ServerMeasurement(spec, context) for spec in server_specs(context.config)),
        DispatcherMeasurement(context),
        CliWarmRunMeasurement(context),
        ServeMeasurement(context),
        DependencySetMeasurement(context),
        Boto3InvokeMeasurement(context),
    ]
    only = context.config.only
    if only is not None:
        unknown = only - {measurement.key for measurement in measurements}
        if unknown:
            known = ", ".join(measurement.key for measurement in measurements)
            raise ValueError(f"BENCH_ONLY names {', '.join(sorted(unknown))}; the measurements are: {known}")
        measurements = [measurement for measurement in measurements if measurement.key in only]
    return measurements
