namespace Newsletter.OperatorFiles.Lists;

/// <summary>One list under <c>Newsletter:Lists:{name}</c>: a display name plus inline subscribers, a CSV file, or both, and optionally a signup form.</summary>
public sealed class MailingListOptions
{
    /// <summary>Shown in List-Id and to people; required.</summary>
    public string? DisplayName { get; set; }

    public List<SubscriberOptions>? Subscribers { get; set; }

    /// <summary>UTF-8 CSV with a header row <c>email,name</c> (name optional); relative to the content root.</summary>
    public string? SubscribersFile { get; set; }

    /// <summary>The list's web signup form; absent or not enabled: readers cannot join from the web.</summary>
    public ListSignupOptions? Signup { get; set; }
}
