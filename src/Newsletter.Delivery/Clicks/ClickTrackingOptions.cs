namespace Newsletter.Delivery.Clicks;

/// <summary>Click counting. Section <c>Newsletter:Tracking</c>.</summary>
public sealed class ClickTrackingOptions
{
    public const string SectionName = "Newsletter:Tracking";

    /// <summary>
    /// When true, story links in the email go through <c>{PublicBaseUrl}/r/{issue}/{link}/{signature}</c>, which counts the click
    /// and redirects to the story: the same URL for every reader. When false (the default), links go straight to the stories.
    /// Read when an issue is rendered for a send: a send keeps what it was rendered with.
    /// </summary>
    public bool Clicks { get; set; }
}
