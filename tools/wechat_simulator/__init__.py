"""Stand-ins for WeChat on loopback: a customer whose pushes are built and signed exactly as
WeChat builds them, and WeChat's server API our app calls, for tests, the e2e suite,
benchmarks and the README walkthrough."""

from .api_server import SentMessage, WeChatApiSimulator
from .customer import SimulatedAccount, WeChatCustomer, push_xml

__all__ = ["SentMessage", "SimulatedAccount", "WeChatApiSimulator", "WeChatCustomer", "push_xml"]
