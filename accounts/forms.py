from __future__ import annotations

from django import forms

from accounts.models import TIME_ZONE_CHOICES, Home, Role


class SignupExtraForm(forms.Form):
    """Extra fields on allauth's sign-up form."""

    full_name = forms.CharField(max_length=150, required=False, label="Full name")

    def signup(self, request, user) -> None:
        user.full_name = self.cleaned_data.get("full_name", "")
        user.save(update_fields=["full_name"])


class HomeForm(forms.ModelForm):
    class Meta:
        model = Home
        fields = ["name", "address", "time_zone", "currency"]
        help_texts = {
            "time_zone": "Days, weeks and 'yesterday' follow this time zone.",
            "currency": "Costs are shown in this currency.",
        }


class InviteForm(forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(
        choices=[(Role.MEMBER, "Member: sees and controls"), (Role.VIEWER, "Viewer: only sees"), (Role.OWNER, "Owner")],
        initial=Role.MEMBER,
    )


class ProfileForm(forms.Form):
    full_name = forms.CharField(max_length=150, required=False)
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES + [("UTC", "UTC")])
