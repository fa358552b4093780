"""Clients of the opencrm customer-management platform.

The stubs and messages are generated (``crm.<service>.v1``); this module
only makes a channel that sends the bearer token and a default deadline
with every call::

    from opencrm_client import channel
    from crm.customer.v1 import customer_service_pb2 as pb, customer_service_pb2_grpc as rpc

    customers = rpc.CustomerServiceStub(channel("127.0.0.1:50051", token))
    customers.ListCustomers(pb.ListCustomersRequest(page_size=10))
"""

import collections

import grpc

__all__ = ["channel"]


class _Details(
    collections.namedtuple("_Details", ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression")),
    grpc.ClientCallDetails,
):
    pass


class _Auth(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor, grpc.StreamUnaryClientInterceptor):
    """Adds the token, and the default deadline when a call sets none."""

    def __init__(self, token, timeout):
        self._token = token
        self._timeout = timeout

    def _details(self, d):
        metadata = list(d.metadata or []) + [("authorization", "Bearer " + self._token)]
        timeout = d.timeout if d.timeout is not None else self._timeout
        return _Details(d.method, timeout, metadata, d.credentials, d.wait_for_ready, d.compression)

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, requests):
        return continuation(self._details(details), requests)


def channel(address, token, timeout=10.0, tls=False, root_certificates=None):
    """A channel to one service (``host:port``) sending ``token`` with every
    call, and ``timeout`` seconds as the deadline of calls that set none.
    Streaming calls that follow a feed should set their own (longer)
    deadline."""
    if not address:
        raise ValueError("address is required, for example 127.0.0.1:50051")
    if not token:
        raise ValueError("token is required (a JWT with the method's scopes)")
    if tls:
        ch = grpc.secure_channel(address, grpc.ssl_channel_credentials(root_certificates))
    else:
        ch = grpc.insecure_channel(address)
    return grpc.intercept_channel(ch, _Auth(token, timeout))
