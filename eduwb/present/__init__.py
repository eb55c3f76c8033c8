"""What a person reads: words, number display, tables and charts. Never computes an indicator.

The notebook helpers are re-exported here, so notebooks write
``from eduwb.present import md, setup, show_table, t``.
"""

from eduwb.present.notebook import (  # noqa: F401
    TABLE_MIME,
    cjk_font,
    fail_cells,
    format_value,
    heading,
    label_columns,
    md,
    md_escape,
    setup,
    show_table,
    t,
)
