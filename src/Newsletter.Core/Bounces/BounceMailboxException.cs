namespace Newsletter.Core.Bounces;

/// <summary>The bounce mailbox could not be reached, logged in to, or opened; the message says which setting to check.</summary>
public sealed class BounceMailboxException(string message, Exception? innerException = null) : Exception(message, innerException);
