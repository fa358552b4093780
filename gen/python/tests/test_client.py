"""Runs against a running platform: CRM_PROFILE_ADDR, CRM_INTERACTION_ADDR,
CRM_LOYALTY_ADDR and CRM_TOKEN (tools/client-tests.sh sets them)."""

import os
import time
import unittest

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from crm.customer.v1 import customer_pb2, customer_service_pb2, customer_service_pb2_grpc
from crm.interaction.v1 import interaction_pb2, interaction_service_pb2, interaction_service_pb2_grpc
from crm.loyalty.v1 import loyalty_service_pb2, loyalty_service_pb2_grpc, program_pb2
from crm.type.v1 import money_pb2
from opencrm_client import channel


def env(name):
    value = os.environ.get(name)
    if not value:
        raise unittest.SkipTest(name + " is not set: run tools/client-tests.sh")
    return value


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        token = env("CRM_TOKEN")
        cls.customers = customer_service_pb2_grpc.CustomerServiceStub(channel(env("CRM_PROFILE_ADDR"), token))
        cls.interactions = interaction_service_pb2_grpc.InteractionServiceStub(channel(env("CRM_INTERACTION_ADDR"), token))
        cls.loyalty = loyalty_service_pb2_grpc.LoyaltyServiceStub(channel(env("CRM_LOYALTY_ADDR"), token))
        cls.unique = "py-%d" % int(time.time() * 1000)

    def test_purchase_timeline_and_points(self):
        program = self.unique[:20]
        self.loyalty.CreateProgram(loyalty_service_pb2.CreateProgramRequest(program=program_pb2.Program(
            id=program, display_name="Python club", currency_code="EUR", points_per_unit=1, auto_enrol=True)))
        customer = self.customers.CreateCustomer(customer_service_pb2.CreateCustomerRequest(customer=customer_pb2.Customer(
            kind=customer_pb2.CUSTOMER_KIND_PERSON, display_name="Ada (Python)",
            emails=[customer_pb2.EmailAddress(address=self.unique + "@example.com")]))).customer
        for n, units in ((1, 20), (2, 30)):
            at = Timestamp()
            at.FromSeconds(int(time.time()) - n * 60)
            self.interactions.LogInteraction(interaction_service_pb2.LogInteractionRequest(
                request_id="%s-%d" % (self.unique, n),
                interaction=interaction_pb2.Interaction(
                    customer=customer.name, channel=interaction_pb2.CHANNEL_WEB, direction=interaction_pb2.DIRECTION_INBOUND,
                    kind=interaction_pb2.INTERACTION_KIND_PURCHASE, occur_time=at,
                    purchase=interaction_pb2.Purchase(order_id="%s-%d" % (self.unique, n), amount=money_pb2.Money(currency_code="EUR", units=units)))))
        first = self.interactions.ListInteractions(interaction_service_pb2.ListInteractionsRequest(customer=customer.name, page_size=1))
        self.assertEqual(len(first.interactions), 1)
        self.assertTrue(first.next_page_token)
        second = self.interactions.ListInteractions(interaction_service_pb2.ListInteractionsRequest(
            customer=customer.name, page_size=1, page_token=first.next_page_token))
        self.assertEqual(len(second.interactions), 1)
        self.assertNotEqual(first.interactions[0].name, second.interactions[0].name)
        balance = None
        for _ in range(100):
            try:
                balance = self.loyalty.GetAccount(loyalty_service_pb2.GetAccountRequest(
                    program="programs/" + program, customer=customer.name)).account.balance
                if balance == 50:
                    break
            except grpc.RpcError as e:
                if e.code() != grpc.StatusCode.NOT_FOUND:
                    raise
            time.sleep(0.2)
        self.assertEqual(balance, 50)

    def test_validation_error_names_its_field(self):
        with self.assertRaises(grpc.RpcError) as caught:
            self.customers.CreateCustomer(customer_service_pb2.CreateCustomerRequest(customer=customer_pb2.Customer(
                kind=customer_pb2.CUSTOMER_KIND_PERSON, display_name="Bad", emails=[customer_pb2.EmailAddress(address="not an address")])))
        e = caught.exception
        self.assertEqual(e.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("customer.emails[0].address", e.details())
        self.assertTrue(any(k == "grpc-status-details-bin" for k, _ in e.trailing_metadata()))

    def test_missing_token_is_unauthenticated(self):
        stub = customer_service_pb2_grpc.CustomerServiceStub(grpc.insecure_channel(env("CRM_PROFILE_ADDR")))
        with self.assertRaises(grpc.RpcError) as caught:
            stub.ListCustomers(customer_service_pb2.ListCustomersRequest(page_size=1), timeout=5)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.UNAUTHENTICATED)

    def test_server_streaming_feed(self):
        stream = self.customers.WatchCustomerEvents(customer_service_pb2.WatchCustomerEventsRequest(after_sequence=0), timeout=10)
        seen = 0
        for resp in stream:
            self.assertGreater(resp.event.sequence, 0)
            seen += 1
            if seen == 1:
                stream.cancel()
                break
        self.assertEqual(seen, 1)


if __name__ == "__main__":
    unittest.main()
