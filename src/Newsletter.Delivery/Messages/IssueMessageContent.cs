namespace Newsletter.Delivery.Messages;

/// <summary>What goes into one subscriber's message. <see cref="Html"/> and <see cref="Text"/> are already personalised by the caller.</summary>
public sealed record IssueMessageContent(int IssueNumber, string Subject, string Html, string Text);
