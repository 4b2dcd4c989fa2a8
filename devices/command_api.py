"""Command endpoints: the device side (poll, ack; device key) and the people side (send, list, detail).

Device side (``Authorization: Device <key>``):

* ``GET /api/v1/device/commands/`` -- the commands due for the key's device (a home key: every
  device of its home), each marked ``sent``. A command not acknowledged comes back on a later poll
  after its backoff, with the same id: act once per id.
* ``POST /api/v1/device/commands/{id}/ack/`` -- ``{"status": "acknowledged" | "failed",
  "result": {...}, "error": "..."}``. A command of another device answers 404, like a missing one.

People side (session or token; members of the device's home, write roles to send):

* ``POST /api/v1/devices/{id}/commands/`` -- ``{"command_type", "payload", "queue_if_offline"}``,
  202 with the stored command (status ``pending``).
* ``GET /api/v1/devices/{id}/commands/`` and ``GET /api/v1/commands/{id}/``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import homes_for, require_write
from devices import commands
from devices.models import Command, DeviceKey, Issuer
from devices.selectors import get_device_for
from devices.transports import command_message
from energyhome.api_errors import error_body
from telemetry.api import DeviceKeyAuthentication, HasDeviceKey


class CommandSerializer(serializers.ModelSerializer):
    device_id = serializers.IntegerField(read_only=True)
    issued_by_user = serializers.EmailField(source="issued_by_user.email", read_only=True, default=None)

    class Meta:
        model = Command
        fields = [
            "id",
            "device_id",
            "command_type",
            "payload",
            "status",
            "transport",
            "issued_by",
            "issued_by_user",
            "queued_while_offline",
            "attempts",
            "created_at",
            "sent_at",
            "next_attempt_at",
            "expires_at",
            "completed_at",
            "result",
            "error",
        ]
        read_only_fields = fields


class SendCommandSerializer(serializers.Serializer):
    command_type = serializers.ChoiceField(choices=Command.Type.choices)
    payload = serializers.JSONField(default=dict)
    queue_if_offline = serializers.BooleanField(default=False)


class AckSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[Command.Status.ACKNOWLEDGED, Command.Status.FAILED])
    result = serializers.JSONField(required=False, default=dict)
    error = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


def _validation_response(exc: ValidationError) -> Response:
    fields = {key: [str(m) for m in messages] for key, messages in exc.message_dict.items()}
    first = next(iter(fields.values()))[0] if fields else "Invalid command."
    return Response(error_body("invalid", first, fields), status=status.HTTP_400_BAD_REQUEST)


class DeviceCommandPollView(APIView):
    """A device fetches its due commands (marks them sent)."""

    authentication_classes = [DeviceKeyAuthentication]
    permission_classes = [HasDeviceKey]

    @extend_schema(
        summary="Fetch due commands (device key)",
        responses={200: inline_serializer("PolledCommands", {"commands": serializers.ListField()})},
        examples=[
            OpenApiExample(
                "One command",
                value={"commands": [{"id": 42, "type": "set_power", "payload": {"on": False}, "attempt": 1}]},
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        key: DeviceKey = request.auth
        delivered = commands.poll_commands(key=key)
        return Response({"commands": [command_message(c) | {"device": c.device.external_id} for c in delivered]})


class DeviceCommandAckView(APIView):
    """A device reports the result of a command."""

    authentication_classes = [DeviceKeyAuthentication]
    permission_classes = [HasDeviceKey]

    @extend_schema(
        summary="Acknowledge a command (device key)",
        request=AckSerializer,
        responses={200: CommandSerializer},
        examples=[OpenApiExample("Done", value={"status": "acknowledged", "result": {"on": False}}, request_only=True)],
    )
    def post(self, request: Request, command_id: int) -> Response:
        try:
            command = commands.command_for_key(key=request.auth, command_id=command_id)
        except Command.DoesNotExist:
            return Response(error_body("not_found", "No such command."), status=status.HTTP_404_NOT_FOUND)
        body = AckSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            command = commands.record_ack(
                command=command,
                ok=data["status"] == Command.Status.ACKNOWLEDGED,
                result=data.get("result") or {},
                error=data.get("error", ""),
            )
        except ValidationError as exc:
            return _validation_response(exc)
        except commands.CommandConflict as exc:
            return Response(error_body("conflict", str(exc)), status=status.HTTP_409_CONFLICT)
        return Response(CommandSerializer(command).data)


class DeviceCommandsView(ListAPIView):
    """Commands of one device (newest first), and sending a new one."""

    serializer_class = CommandSerializer

    def get_device(self):
        return get_device_for(self.request.user, self.kwargs["device_id"])

    def get_queryset(self):
        return (
            Command.objects.filter(device=self.get_device())
            .select_related("issued_by_user")
            .order_by("-created_at", "-id")
        )

    @extend_schema(
        summary="Send a command to a device",
        request=SendCommandSerializer,
        responses={202: CommandSerializer},
        examples=[
            OpenApiExample("Switch off", value={"command_type": "set_power", "payload": {"on": False}}),
            OpenApiExample(
                "Heat pump to 21 °C", value={"command_type": "set_temperature", "payload": {"temperature_c": 21}}
            ),
        ],
    )
    def post(self, request: Request, device_id: int) -> Response:
        device = self.get_device()
        require_write(request.user, device.home)
        body = SendCommandSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            command = commands.send_command(
                device=device,
                command_type=data["command_type"],
                payload=data["payload"],
                issued_by=Issuer.API,
                issued_by_user=request.user,
                queue_if_offline=data["queue_if_offline"],
            )
        except ValidationError as exc:
            return _validation_response(exc)
        return Response(CommandSerializer(command).data, status=status.HTTP_202_ACCEPTED)


class CommandDetailView(APIView):
    @extend_schema(summary="A command and its status", responses={200: CommandSerializer})
    def get(self, request: Request, command_id: int) -> Response:
        command = (
            Command.objects.filter(pk=command_id, home__in=homes_for(request.user))
            .select_related("issued_by_user")
            .first()
        )
        if command is None:
            raise Http404("No such command")
        return Response(CommandSerializer(command).data)
