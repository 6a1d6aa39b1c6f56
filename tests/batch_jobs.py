"""Jobs for tests of batch.audit_in_jobs: importable by its spawned workers (they unpickle the job)."""

import multiprocessing
import os

from facs_audit_addon.batch import Job


class ScriptedJob(Job):
    """Audits nothing: a file named ``error*`` raises, ``crash*`` kills a worker process, others pass."""

    def audit(self, path):
        name = os.path.basename(path)
        if name.startswith("error"):
            raise ValueError(f"scripted failure on {name}")
        if name.startswith("crash") and multiprocessing.parent_process() is not None:
            import shutil

            import bpy
            shutil.rmtree(bpy.app.tempdir, ignore_errors=True)  # the one thing a crash leaves behind
            os._exit(9)  # a worker dying the way a Blender crash would
        return []
