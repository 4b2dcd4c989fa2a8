"""``manage.py mqtt_bridge``: store telemetry published over MQTT (see telemetry.mqtt)."""

from __future__ import annotations

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from telemetry.mqtt import TelemetryBridge


class Command(BaseCommand):
    help = "Subscribe to <MQTT_TOPIC_PREFIX>/+/telemetry and store the readings devices publish."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default=None, help="Broker URL (default: settings.MQTT_URL)")
        parser.add_argument("--topic-prefix", default=None, help="Topic prefix (default: settings.MQTT_TOPIC_PREFIX)")
        parser.add_argument(
            "--client-id",
            default=None,
            help="MQTT client id. Keep it stable: the broker keeps this client's session and queued messages",
        )

    def handle(self, *args, **options) -> None:
        bridge = TelemetryBridge(
            url=options["url"], topic_prefix=options["topic_prefix"], client_id=options["client_id"]
        )

        def _stop(signum, frame) -> None:
            bridge.stop()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        broker = bridge.broker
        self.stdout.write(
            f"MQTT bridge: {broker.host}:{broker.port} as {bridge.client_id}, topic {bridge.subscription} "
            f"(MQTT_URL={settings.MQTT_URL.split('@')[-1]})"
        )
        bridge.run()
        stats = bridge.stats
        self.stdout.write(
            f"Stopped. {stats.messages} messages: {stats.stored} readings stored, {stats.duplicate} duplicate, "
            f"{stats.rejected} rejected; {stats.bad_messages} bad messages, {stats.failed} failed stores"
        )
