"""The stepwise, resumable importer: exchange files into the app's catalog models.

::

    job = create_job(["import.xml", "offers.xml"], base_dir=exchange_dir)
    while isinstance(result := run(job, budget=30), Progress):
        ...  # an endpoint answers "progress" here and 1C calls again

See docs/import_workflow.md for the stages, messages, options and signals.
"""

from cml_exchange.importer.jobs import create_job
from cml_exchange.importer.options import ImportOptions, MissingAction
from cml_exchange.importer.results import Done, Failed, Progress, StepResult
from cml_exchange.importer.runner import run

__all__ = [
    "Done",
    "Failed",
    "ImportOptions",
    "MissingAction",
    "Progress",
    "StepResult",
    "create_job",
    "run",
]
