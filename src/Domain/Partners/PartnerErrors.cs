using Speaking.Domain.Common;

namespace Speaking.Domain.Partners;

/// <summary>The partner feature's user-facing texts, kept byte for byte from the original (Uzbek, ASCII apostrophes).</summary>
public static class PartnerErrors
{
    public static readonly Error RequestToSelf = new(ErrorKind.BadRequest, "O'zingizga so'rov yubora olmaysiz");
    public static readonly Error UserNotFound = new(ErrorKind.NotFound, "Foydalanuvchi topilmadi");
    public static readonly Error AlreadyPartners = new(ErrorKind.BadRequest, "Allaqachon sheriklar");
    public static readonly Error RequestAlreadySent = new(ErrorKind.BadRequest, "So'rov allaqachon yuborilgan");
    public static readonly Error RequestNotFound = new(ErrorKind.NotFound, "So'rov topilmadi");
    public static readonly Error RequestNotForYou = new(ErrorKind.Forbidden, "Bu so'rov sizga emas");
    public static readonly Error RequestAlreadyHandled = new(ErrorKind.BadRequest, "So'rov allaqachon ko'rib chiqilgan");
    public static readonly Error PartnerNotFound = new(ErrorKind.NotFound, "Sherik topilmadi");

    public const string PartnerAdded = "Sherik qo'shildi!";
    public const string RequestRejected = "So'rov rad etildi";
    public const string PartnerRemoved = "Sherik o'chirildi";

    public const string PartnerOffline = "Sherik hozir online emas";
    public const string InviteSent = "Taklif yuborildi!";
    public const string InviteDeliveryFailed = "Taklif yuborishda xatolik";
    public const string InviteDeclined = "Taklif rad etildi";
    public const string SessionCreationFailed = "Sessiya yaratishda xatolik";
    public const string NotYourPartner = "Not your partner";
    public const string NoPendingInvitation = "No pending invitation from this user";
}

public enum PartnerRequestStatus
{
    Pending,
    Accepted,
    Rejected,
}
