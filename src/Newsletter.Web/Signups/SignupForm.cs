namespace Newsletter.Web.Signups;

/// <summary>
/// What a signup form sends (field names in <c>SignupPage</c>): the address, the optional name, the hash of the consent text the
/// form showed, and the honeypot, which people never see and so leave empty.
/// </summary>
public sealed record SignupForm(string? Email, string? Name, string? ConsentHash, string? Honeypot);
