namespace Newsletter.Rendering.Pages;

/// <summary>
/// The model of a list's signup pages (<c>templates/pages/signup/</c>): the form (also printed as a snippet for other sites by
/// <c>lists signup-form</c>), its answer, and the confirmation link's pages.
/// </summary>
/// <param name="ListDisplayName">The list's name as readers see it.</param>
/// <param name="ConsentText">What the reader agrees to, shown beside the button.</param>
/// <param name="ConsentHash">The consent text's hash, posted back in a hidden field so the store records which text was shown.</param>
/// <param name="Action">Where the form posts (the confirmation pages: where the Confirm button posts).</param>
public sealed class SignupPage(string listDisplayName, string consentText, string consentHash, string action) : PageModel
{
    public string ListDisplayName { get; } = listDisplayName;

    public string ConsentText { get; } = consentText;

    public string ConsentHash { get; } = consentHash;

    public string Action { get; } = action;

    /// <summary>The address to show in the form (typed earlier) or on the confirmation page.</summary>
    public string? Email { get; init; }

    /// <summary>The name typed earlier, shown again with the form.</summary>
    public string? Name { get; init; }

    /// <summary>Why the form came back (a bad address), or null.</summary>
    public string? Problem { get; init; }

    /// <summary>The form's field names, as the endpoint reads them.</summary>
    public const string EmailField = "email";
    public const string NameField = "name";
    public const string ConsentField = "consent";
    public const string HoneypotField = "website";
}
