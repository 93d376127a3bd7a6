"""Starts localstripe 1.15.10 with BECTA's invoicing extension (`localstripe_invoicing.py`).

Usage: <venv>/bin/python localstripe_launcher.py --port PORT [--from-scratch], the arguments of
the `localstripe` command. The extension patches that exact version's internals, so any other
installed version is refused before anything starts.
"""

import importlib.metadata
import os
import sys

PINNED = '1.15.10'


def main():
    import localstripe
    found = {localstripe.__version__, importlib.metadata.version('localstripe')}
    if found != {PINNED}:
        sys.exit('localstripe %s is installed; the invoicing extension is written for '
                 'exactly %s: reinstall it with pip install localstripe==%s'
                 % (' / '.join(sorted(found)), PINNED, PINNED))
    sys.dont_write_bytecode = True  # no __pycache__ in the source tree
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import localstripe_invoicing
    localstripe_invoicing.install()
    from localstripe.server import start  # builds its routes from the extended resources
    sys.exit(start())


if __name__ == '__main__':
    main()
