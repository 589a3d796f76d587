namespace Newsletter.Core.Lists;

/// <summary>An address that is not mailed, whatever the config file says.</summary>
/// <param name="ListName">The list it left, or null for every list (bounces, refusals and complaints apply everywhere).</param>
public sealed record Suppression(string Email, string? ListName, SuppressionReason Reason, string? Detail, DateTimeOffset CreatedAt);
