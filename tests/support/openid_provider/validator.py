from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    """The claims a company directory gives: email (verified or not) and group names."""

    oidc_claim_scope = None  # every claim for every scope, `groups` included

    def get_additional_claims(self, request):
        user = request.user
        return {
            "email": user.email,
            "email_verified": user.last_name != "unverified",
            "groups": sorted(user.groups.values_list("name", flat=True)),
        }
