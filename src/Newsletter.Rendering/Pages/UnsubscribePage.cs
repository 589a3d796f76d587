namespace Newsletter.Rendering.Pages;

/// <summary>
/// The model of the personal unsubscribe pages (<c>templates/pages/unsubscribe/Confirm, Done, Resubscribed,
/// ResubscribeRefused</c>): whose address, which list, and where the buttons post.
/// </summary>
public sealed class UnsubscribePage(string listName, string email, string unsubscribeAction, string resubscribeAction) : PageModel
{
    /// <summary>The list's display name.</summary>
    public string ListName { get; } = listName;

    /// <summary>The reader's address, read from their token.</summary>
    public string Email { get; } = email;

    /// <summary>Where the Unsubscribe button posts (the reader's token is in it).</summary>
    public string UnsubscribeAction { get; } = unsubscribeAction;

    /// <summary>Where the Resubscribe button posts.</summary>
    public string ResubscribeAction { get; } = resubscribeAction;
}
