namespace Newsletter.Web.Signups;

/// <summary>What the signup form's POST answers.</summary>
public enum SignupAnswer
{
    /// <summary>"Check your inbox": the one answer for a new, an existing, a suppressed or a throttled address, and a bot.</summary>
    CheckInbox,

    /// <summary>The address (or name) is not usable: the form comes back with the reason.</summary>
    FormWithError,
}

/// <summary>What a confirmation link's POST (or GET) found.</summary>
public enum ConfirmationAnswer
{
    /// <summary>The page with the Confirm button (GET), or the reader has joined (POST).</summary>
    Valid,

    /// <summary>Not a token this site made: truncated, tampered with, or made with another key.</summary>
    NotValid,

    /// <summary>Signed by this site, but past its time.</summary>
    Expired,

    /// <summary>Signed and in time, but already used, or replaced by a newer link: nothing waits for it.</summary>
    AlreadyUsed,
}
