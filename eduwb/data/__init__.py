"""The data layer: the dictionary of input tables (``schema``), the loader and validator
(``dataset``), county-input values (``values``) and the synthetic sample (``sample``)."""
