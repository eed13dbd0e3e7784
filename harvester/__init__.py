"""satudata-harvester: metadata harvester and interoperability bridge for Satu Data Indonesia.

Sources -> canonical model -> outputs (DCAT-AP 3, SDI JSON, CKAN package dicts), pushed to CKAN
portals at city, provincial and national level, and served as a DCAT feed.
"""

__version__ = "0.1.0"
