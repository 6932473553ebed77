"""Read-only access to the built database: the only way pages and analyses reach the data.

Every SQL statement the app runs lives in this package, one module per topic; callers use `db.<name>`
for all of them. The build writes the database (sna.build); nothing here writes.
"""

from sna.db.core import *  # noqa: F401,F403
from sna.db.indicators import *  # noqa: F401,F403
from sna.db.areas import *  # noqa: F401,F403
from sna.db.places import *  # noqa: F401,F403
from sna.db.evidence import *  # noqa: F401,F403
from sna.db.assessment import *  # noqa: F401,F403
