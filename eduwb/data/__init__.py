"""The data layer: the dictionary of input tables (``schema``), the loader and validator
(``dataset``), county-input values (``values``), the synthetic sample (``sample``) and the
importers of the education statistics (``importers``, with their ``mappings``)."""
