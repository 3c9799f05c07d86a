"""One adapter per upstream provider, behind the registry the servicer uses."""
