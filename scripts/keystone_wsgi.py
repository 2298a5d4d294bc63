"""WSGI entry point for the test Keystone started by scripts/keystone.

Keystone's oslo.config parses sys.argv when keystone.wsgi.api is imported, so
under gunicorn it would see gunicorn's own arguments and the workers would
exit with code 2 in a loop. Reset sys.argv and name the config file in
OS_KEYSTONE_CONFIG_FILES before importing the application.
"""

import os
import sys

sys.argv = sys.argv[:1]

if not os.environ.get("OS_KEYSTONE_CONFIG_FILES"):
    _state_dir = os.environ.get("KSA_KEYSTONE_DIR") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
        "target",
        "keystone",
    )
    os.environ["OS_KEYSTONE_CONFIG_FILES"] = os.path.join(
        os.path.abspath(_state_dir), "keystone.conf"
    )

from keystone.wsgi.api import application  # noqa: E402

__all__ = ["application"]
