from django.urls import path

from assistant.api import AskView, CommandDecisionView, ConversationDetailView, ConversationListView

urlpatterns = [
    path("assistant/ask/", AskView.as_view(), name="api-assistant-ask"),
    path(
        "homes/<int:home_id>/assistant/conversations/",
        ConversationListView.as_view(),
        name="api-assistant-conversations",
    ),
    path(
        "homes/<int:home_id>/assistant/conversations/<int:conversation_id>/",
        ConversationDetailView.as_view(),
        name="api-assistant-conversation",
    ),
    path(
        "homes/<int:home_id>/assistant/messages/<int:message_id>/confirm/",
        CommandDecisionView.as_view(decision="confirm"),
        name="api-assistant-confirm",
    ),
    path(
        "homes/<int:home_id>/assistant/messages/<int:message_id>/cancel/",
        CommandDecisionView.as_view(decision="cancel"),
        name="api-assistant-cancel",
    ),
]
