using System.Globalization;

namespace Newsletter.Rendering;

/// <summary>The model of <c>templates/Confirm.cshtml</c> and <c>Confirm.txt.cshtml</c>: the mail that asks a reader who used a signup form to confirm.</summary>
/// <param name="Name">What the reader typed as their name, if anything.</param>
/// <param name="ConfirmUrl">The link whose page has the Confirm button.</param>
public sealed record ConfirmationMailModel(BrandingOptions Branding, string ListDisplayName, string? Name, string ConfirmUrl, DateTimeOffset ExpiresAt)
{
    /// <summary>The mail's subject.</summary>
    public string Subject => $"Confirm your subscription to {ListDisplayName}";

    /// <summary>When the link stops working, in UTC, e.g. "10 December 2026, 14:05 UTC".</summary>
    public string ExpiresText => ExpiresAt.UtcDateTime.ToString("d MMMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
