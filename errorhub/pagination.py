"""The native API's list pages."""

from rest_framework.pagination import LimitOffsetPagination

# The most rows one list page holds; a larger ?limit= gets this many (README "Bounded lists").
MAX_PAGE_SIZE = 1000


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """A ?limit= above MAX_PAGE_SIZE gets MAX_PAGE_SIZE; an offset past the end costs one COUNT."""

    max_limit = MAX_PAGE_SIZE
