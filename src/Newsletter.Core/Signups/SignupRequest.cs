namespace Newsletter.Core.Signups;

/// <summary>A signup form that was sent and checked: it waits for the address to be proved by the emailed link.</summary>
/// <param name="Email">Validated and trimmed.</param>
/// <param name="ConsentHash">The <see cref="ListSignup.ConsentHash"/> of the text the form showed.</param>
public sealed record SignupRequest(string ListName, string Email, string? Name, string ConsentHash);
