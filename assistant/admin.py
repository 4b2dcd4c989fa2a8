from django.contrib import admin

from assistant.models import Conversation, Message
from energyhome.admin_scope import HomeScopedAdmin, HomeScopedInline


class MessageInline(HomeScopedInline, admin.TabularInline):
    home_lookup = "conversation__home"
    model = Message
    extra = 0
    fields = ("role", "kind", "text", "intent", "period_start", "period_end", "command_state")
    readonly_fields = fields
    can_delete = False


@admin.register(Conversation)
class ConversationAdmin(HomeScopedAdmin):
    manager_permissions = frozenset({"view"})
    list_display = ("__str__", "user", "home", "updated_at")
    list_filter = ("home",)
    search_fields = ("title", "user__email")
    inlines = [MessageInline]
    raw_id_fields = ("user", "home")


@admin.register(Message)
class MessageAdmin(HomeScopedAdmin):
    home_lookup = "conversation__home"
    manager_permissions = frozenset({"view"})
    list_display = ("__str__", "kind", "intent", "command_state", "created_at")
    list_filter = ("kind", "intent", "command_state")
    search_fields = ("text",)
    raw_id_fields = ("conversation",)
    readonly_fields = ("plan", "figures", "computed", "pending_command")
