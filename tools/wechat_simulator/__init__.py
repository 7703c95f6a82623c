"""Stand-ins for WeChat on loopback: a customer whose pushes are built and signed exactly as
WeChat builds them, for tests, the e2e suite, benchmarks and the README walkthrough."""

from .customer import SimulatedAccount, WeChatCustomer, push_xml

__all__ = ["SimulatedAccount", "WeChatCustomer", "push_xml"]
