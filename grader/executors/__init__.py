"""Where training runs execute: ``local`` (this machine's cores, the default) and ``ray`` (a Ray
cluster); third parties add more under the entry-point group ``nnexam.executors.v1``."""
