"""cml_exchange: the site end of 1C:Enterprise's "обмен с сайтом" for Django shops.

The package is split into rooms that data flows through one way (see README):
``commerceml`` (reading and writing CommerceML 2, no Django), the protocol
endpoint, the importer, the exporters and the models.
"""

__version__ = "0.1.0.dev0"
