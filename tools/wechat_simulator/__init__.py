"""Stand-ins for WeChat on loopback: a customer whose pushes are built and signed exactly as
WeChat builds them, and WeChat's server API our app calls, for tests, the e2e suite,
benchmarks and the README walkthrough; and the customer playground, a page of the API
simulator where a developer chats with the app as a customer (``make demo``)."""

from tools.wechat_simulator.api_server import (
    RefusedSend,
    SentMessage,
    TypingCall,
    WeChatApiSimulator,
)
from tools.wechat_simulator.customer import SimulatedAccount, WeChatCustomer, push_xml

__all__ = [
    "RefusedSend",
    "SentMessage",
    "SimulatedAccount",
    "TypingCall",
    "WeChatApiSimulator",
    "WeChatCustomer",
    "push_xml",
]
