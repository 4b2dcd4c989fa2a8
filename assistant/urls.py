from django.urls import path

from assistant import views

app_name = "assistant"

urlpatterns = [
    path("assistant/", views.chat_current, name="chat-current"),
    path("homes/<int:home_id>/assistant/", views.chat, name="chat"),
    path("homes/<int:home_id>/assistant/ask/", views.ask, name="ask"),
    path("homes/<int:home_id>/assistant/clear/", views.clear, name="clear"),
    path(
        "homes/<int:home_id>/assistant/messages/<int:message_id>/confirm/",
        views.command_decision,
        {"decision": "confirm"},
        name="confirm",
    ),
    path(
        "homes/<int:home_id>/assistant/messages/<int:message_id>/cancel/",
        views.command_decision,
        {"decision": "cancel"},
        name="cancel",
    ),
    path(
        "homes/<int:home_id>/assistant/conversations/<int:conversation_id>/rename/",
        views.conversation_rename,
        name="conversation-rename",
    ),
    path(
        "homes/<int:home_id>/assistant/conversations/<int:conversation_id>/delete/",
        views.conversation_delete,
        name="conversation-delete",
    ),
]
