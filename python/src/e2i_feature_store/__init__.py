"""Python SDK of the E2I feature store: the seed's ``FeatureStoreClient`` over the HTTP feature server.

>>> from e2i_feature_store import FeatureStoreClient
>>> fs = FeatureStoreClient("http://localhost:8080")   # or FeatureStoreClient() for a local server
>>> fs.get_entity_features({"hcp_id": "HCP123"}, "hcp_demographics").to_dict()
"""

from ._async import AsyncFeatureStoreClient, AsyncRetriever
from ._client import FeatureStoreClient, Retriever
from ._errors import (
    Conflict,
    FeatureStoreError,
    Forbidden,
    InternalServerError,
    InvalidArgument,
    NotFound,
    PayloadTooLarge,
    TypeMismatch,
    Unauthorized,
    Unavailable,
)
from ._local import DEFAULT_DATA_DIR, LocalServer
from ._version import __version__
from ._wire import EntityFeatures, FreshnessMonitor

__all__ = [
    "AsyncFeatureStoreClient",
    "AsyncRetriever",
    "Conflict",
    "DEFAULT_DATA_DIR",
    "EntityFeatures",
    "FeatureStoreClient",
    "FeatureStoreError",
    "Forbidden",
    "FreshnessMonitor",
    "InternalServerError",
    "InvalidArgument",
    "LocalServer",
    "NotFound",
    "PayloadTooLarge",
    "Retriever",
    "TypeMismatch",
    "Unauthorized",
    "Unavailable",
    "__version__",
]
