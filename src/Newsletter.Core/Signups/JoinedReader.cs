namespace Newsletter.Core.Signups;

/// <summary>
/// A reader who joined a list through its signup form and confirmed the address: everything the store keeps about them, and
/// no more than the evidence of consent needs (who, which list, what they agreed to, when they asked and when they proved it).
/// </summary>
/// <param name="Email">The address as the reader typed it (trimmed); matched by its <see cref="Lists.EmailKey"/>.</param>
/// <param name="ConsentHash">The <see cref="ListSignup.ConsentHash"/> of the text the form showed.</param>
/// <param name="ConsentedAt">When the form was sent.</param>
/// <param name="ConfirmedAt">When the Confirm button of the emailed link was pressed.</param>
public sealed record JoinedReader(string ListName, string Email, string? Name, string ConsentHash, DateTimeOffset ConsentedAt, DateTimeOffset ConfirmedAt);
