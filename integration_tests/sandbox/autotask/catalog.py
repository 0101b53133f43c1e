"""The field catalogue: which entities the emulated Autotask database exposes and what their fields are.

Autotask states each entity's fields at run time through `entityInformation/fields`; the sandbox has to
state them itself (users install it without the vendor's swagger), so they are written down here as facts:
camelCase names as the live API returns them, data type, references and the few flags the emulator
enforces (read-only, queryable). A test cross-checks every name against the swagger models.

Compact notation, one token per field: `name/type[/flag...]` where type is `l` long, `i` integer,
`s` string, `d` double, `b` boolean, `t` datetime; flags are `>Entity` (reference), `~` (not queryable)
and a number (maximum string length).

Writes: the sandbox emulates exactly the updates the connectors need and the API allows on billing data
(Invoices: invoiceNumber, paidDate, webServiceDate; BillingItems: webServiceDate; Currencies:
exchangeRate). Every other field reports `isReadOnly: true` and is refused on PATCH/PUT, which is the real
rule for Invoices, BillingItems and Currencies and the safe rule for the reference entities (a connector
that starts writing companies or taxes should fail here, not in a customer's database).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import picklists

TYPE_NAMES = {"l": "long", "i": "integer", "s": "string", "d": "double", "b": "boolean", "t": "datetime"}


@dataclass(frozen=True)
class FieldDef:
    name: str
    data_type: str  # long | integer | string | double | boolean | datetime
    queryable: bool = True
    read_only: bool = True
    reference: str | None = None
    length: int | None = None

    @property
    def is_numeric(self) -> bool:
        return self.data_type in ("long", "integer", "double")


@dataclass(frozen=True)
class EntityDef:
    name: str  # canonical plural path segment, e.g. "Invoices"
    singular: str  # entityInformation name, e.g. "Invoice"
    fields: tuple[FieldDef, ...]
    can_create: bool = False  # the swagger lists POST /{Entity}
    can_update: bool = False  # the swagger lists PUT/PATCH /{Entity}
    has_udfs: bool = False
    touch_on_update: tuple[str, ...] = ()  # last-modified fields set from the sandbox clock by an update
    by_name: dict[str, FieldDef] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        self.by_name.update({f.name.lower(): f for f in self.fields})

    def field(self, name: str) -> FieldDef | None:
        return self.by_name.get(name.lower())

    @property
    def writable(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if not f.read_only)


def _fields(
    spec: str, writable: tuple[str, ...] = (), not_queryable: tuple[str, ...] = ()
) -> tuple[FieldDef, ...]:
    out: list[FieldDef] = []
    for token in spec.split():
        name, type_code, *flags = token.replace(">", "/>").split("/")
        reference = None
        length = None
        queryable = name not in not_queryable
        for flag in flags:
            if flag.startswith(">"):
                reference = flag[1:]
            elif flag == "~":
                queryable = False
            elif flag.isdigit():
                length = int(flag)
        out.append(
            FieldDef(
                name=name,
                data_type=TYPE_NAMES[type_code],
                queryable=queryable,
                read_only=name not in writable,
                reference=reference,
                length=length,
            )
        )
    missing = set(writable) - {f.name for f in out}
    if missing:
        raise ValueError(f"writable fields not in the catalogue: {sorted(missing)}")
    return tuple(out)


# The charge entities share one shape; each adds its parent key. BillingItems reach a product through them.
_CHARGE_FIELDS = """id/l billableAmount/d billingCodeID/l>BillingCodes chargeType/i contractServiceBundleID/l
    contractServiceID/l createDate/t creatorResourceID/l datePurchased/t description/s/2000 extendedCost/d
    internalCurrencyBillableAmount/d internalCurrencyUnitPrice/d internalPurchaseOrderNumber/s/50
    isBillableToCompany/b isBilled/b name/s/100 notes/s/2000
    organizationalLevelAssociationID/i>OrganizationalLevelAssociations productID/l>Products
    purchaseOrderNumber/s/50 status/l statusLastModifiedBy/l statusLastModifiedDate/t unitCost/d unitPrice/d
    unitQuantity/d"""

ENTITIES: tuple[EntityDef, ...] = (
    EntityDef(
        "Companies",
        "Company",
        _fields(
            """id/l additionalAddressInformation/s/100 address1/s/150 address2/s/150 alternatePhone1/s/25
            alternatePhone2/s/25 apiVendorID/i assetValue/d billToCompanyLocationID/i
            billToAdditionalAddressInformation/s/100 billingAddress1/s/150 billingAddress2/s/150
            billToAddressToUse/i billToAttention/s/50 billToCity/s/50 billToCountryID/i>Countries
            billToState/s/128 billToZipCode/s/50 city/s/50 classification/i companyName/s/100
            companyNumber/s/50 companyType/i competitorID/i countryID/i>Countries createDate/t
            createdByResourceID/i currencyID/i>Currencies fax/s/25 impersonatorCreatorResourceID/i
            invoiceEmailMessageID/i invoiceMethod/i invoiceNonContractItemsToParentCompany/b
            invoiceTemplateID/i>InvoiceTemplates isActive/b isClientPortalActive/b isEnabledForComanaged/b
            isTaskFireActive/b isTaxExempt/b lastActivityDate/t lastTrackedModifiedDateTime/t
            marketSegmentID/i ownerResourceID/i parentCompanyID/i>Companies phone/s/25 postalCode/s/20
            quoteEmailMessageID/i quoteTemplateID/i sicCode/s/32 state/s/25 stockMarket/s/10
            stockSymbol/s/10 surveyCompanyRating/d taxID/s/50 taxRegionID/i>TaxRegions territoryID/i
            webAddress/s/255"""
        ),
        can_create=True,
        can_update=True,
        has_udfs=True,
        touch_on_update=("lastTrackedModifiedDateTime",),
    ),
    EntityDef(
        "Contacts",
        "Contact",
        _fields(
            """id/l additionalAddressInformation/s/100 addressLine/s/128 addressLine1/s/128
            alternatePhone/s/32 apiVendorID/i bulkEmailOptOutTime/t city/s/32 companyID/i>Companies
            companyLocationID/i countryID/i>Countries createDate/t emailAddress/s/254 emailAddress2/s/254
            emailAddress3/s/254 extension/s/10 externalID/s/50 facebookUrl/s/200 faxNumber/s/25
            firstName/s/50 impersonatorCreatorResourceID/i isActive/i isOptedOutFromBulkEmail/b
            lastActivityDate/t lastModifiedDate/t lastName/s/50 linkedInUrl/s/200 middleInitial/s/2
            mobilePhone/s/25 namePrefix/i nameSuffix/i note/s/250 receivesEmailNotifications/b phone/s/25
            primaryContact/b roomNumber/s/50 solicitationOptOut/b solicitationOptOutTime/t state/s/40
            surveyOptOut/b title/s/50 twitterUrl/s/200 zipCode/s/16"""
        ),
        has_udfs=True,
        touch_on_update=("lastModifiedDate",),
    ),
    EntityDef(
        "Countries",
        "Country",
        _fields(
            """id/l addressFormatID/l countryCode/s/2 displayName/s/100 invoiceTemplateID/i>InvoiceTemplates
            isActive/b isDefaultCountry/b name/s/100 quoteTemplateID/i"""
        ),
        can_update=True,
    ),
    EntityDef(
        "Products",
        "Product",
        _fields(
            """id/l billingType/i chargeBillingCodeID/i>BillingCodes defaultVendorID/i>Companies
            description/s/8000 doesNotRequireProcurement/b externalProductID/s/50
            impersonatorCreatorResourceID/i internalProductID/s/100 isActive/b isEligibleForRma/b
            isSerialized/b link/s/500 manufacturerName/s/100 manufacturerProductName/s/100 markupRate/d
            msrp/d name/s/100 periodType/i priceCostMethod/i productBillingCodeID/i>BillingCodes
            productCategory/i sku/s/50 unitCost/d unitPrice/d vendorProductNumber/s/50
            createdByResourceID/i createdTime/t defaultInstalledProductCategoryID/i"""
        ),
        can_create=True,
        can_update=True,
        has_udfs=True,
    ),
    EntityDef(
        "Services",
        "Service",
        _fields(
            """id/l billingCodeID/i>BillingCodes createDate/t creatorResourceID/i description/s/400
            invoiceDescription/s/1000 isActive/b lastModifiedDate/t markupRate/d name/s/150 periodType/i
            serviceLevelAgreementID/l unitCost/d unitPrice/d updateResourceID/i vendorCompanyID/i>Companies"""
        ),
        can_create=True,
        can_update=True,
        touch_on_update=("lastModifiedDate",),
    ),
    EntityDef(
        "BillingCodes",
        "BillingCode",
        _fields(
            """id/l afterHoursWorkType/i billingCodeType/i department/i>Departments description/s/500
            externalNumber/s/100
            generalLedgerAccount/i isActive/b isExcludedFromNewContracts/b markupRate/d name/s/200
            taxCategoryID/i>TaxCategories unitCost/d unitPrice/d useType/i"""
        ),
    ),
    EntityDef(
        "Invoices",
        "Invoice",
        _fields(
            """id/l batchID/i comments/s/1000 companyID/i>Companies createDateTime/t creatorResourceID/i
            dueDate/t/~ fromDate/t invoiceDateTime/t invoiceEditorTemplateID/i>InvoiceTemplates
            invoiceNumber/s/100 invoiceTotal/d isVoided/b orderNumber/s/50 paidDate/t paymentTerm/i
            taxGroup/i/~ taxRegionName/s/200 toDate/t totalTaxValue/d voidedByResourceID/i voidedDate/t
            webServiceDate/t invoiceStatus/i invoiceTaxMethodExternalCode/s/100""",
            writable=("invoiceNumber", "paidDate", "webServiceDate"),
        ),
        can_update=True,
    ),
    EntityDef(
        "BillingItems",
        "BillingItem",
        _fields(
            """id/l accountManagerWhenApprovedID/i billingCodeID/i>BillingCodes billingItemType/i
            companyID/i>Companies configurationItemID/l contractChargeID/l>ContractCharges contractID/i
            description/s/2000
            expenseItemID/i extendedPrice/d internalCurrencyExtendedPrice/d internalCurrencyRate/d
            internalCurrencyTaxDollars/d internalCurrencyTotalAmount/d invoiceID/i>Invoices itemApproverID/i
            itemDate/t itemName/s/2000 lineItemFullDescription/s/~ lineItemGroupDescription/s/~ lineItemID/l
            milestoneID/l nonBillable/i organizationalLevelAssociationID/i>OrganizationalLevelAssociations
            ourCost/d postedDate/t postedOnTime/t projectChargeID/l>ProjectCharges projectID/i
            purchaseOrderNumber/s/50
            quantity/d rate/d roleID/i serviceBundleID/l serviceID/l>Services subType/i taskID/i
            taxDollars/d ticketChargeID/l>TicketCharges ticketID/i timeEntryID/i totalAmount/d
            vendorID/l>Companies
            webServiceDate/t contractBlockID/l contractServiceID/l contractServiceBundleID/l
            contractServiceAdjustmentID/l contractServiceBundleAdjustmentID/l contractServicePeriodID/l
            contractServiceBundlePeriodID/l sortOrderID/i taxCategoryID/i>TaxCategories""",
            writable=("webServiceDate",),
        ),
        can_update=True,
    ),
    EntityDef(
        "PurchaseOrders",
        "PurchaseOrder",
        _fields(
            """id/l cancelDateTime/t createDateTime/t creatorResourceID/i externalPONumber/s/50 fax/s/20
            freight/d generalMemo/s/4000 impersonatorCreatorResourceID/i internalCurrencyFreight/d
            latestEstimatedArrivalDate/t paymentTerm/i phone/s/20 purchaseForCompanyID/i>Companies
            shippingDate/t shippingType/i shipToAddress1/s/128 shipToAddress2/s/128 shipToCity/s/30
            shipToName/s/100 shipToPostalCode/s/20 shipToState/s/25 showEachTaxInGroup/b showTaxCategory/b
            status/i submitDateTime/t taxRegionID/i>TaxRegions useItemDescriptionsFrom/i vendorID/i>Companies
            vendorInvoiceNumber/s/50 purchaseOrderNumber/s/50 purchaseOrderTemplateID/i"""
        ),
        can_create=True,
        can_update=True,
    ),
    EntityDef("TicketCharges", "TicketCharge", _fields(_CHARGE_FIELDS + " ticketID/l")),
    EntityDef("ProjectCharges", "ProjectCharge", _fields(_CHARGE_FIELDS + " estimatedCost/d projectID/l")),
    EntityDef("ContractCharges", "ContractCharge", _fields(_CHARGE_FIELDS + " contractID/l")),
    EntityDef(
        "PurchaseOrderItems",
        "PurchaseOrderItem",
        _fields(
            """id/l chargeID/i contractID/l estimatedArrivalDate/t internalCurrencyUnitCost/d
            inventoryLocationID/i memo/s/4000 orderID/i>PurchaseOrders productID/i>Products projectID/l
            quantity/i salesOrderID/l ticketID/l unitCost/d"""
        ),
    ),
    EntityDef(
        "TaxCategories",
        "TaxCategory",
        _fields("id/l description/s/200 isActive/b name/s/200"),
        can_create=True,
        can_update=True,
    ),
    EntityDef(
        "TaxRegions",
        "TaxRegion",
        _fields("id/l isActive/b name/s/200"),
        can_create=True,
        can_update=True,
    ),
    EntityDef(
        "Taxes",
        "Tax",
        _fields(
            """id/l isCompounded/b taxCategoryID/i>TaxCategories taxName/s/100 taxRate/d
            taxRegionID/i>TaxRegions"""
        ),
        can_create=True,
        can_update=True,
    ),
    EntityDef(
        "Currencies",
        "Currency",
        _fields(
            """id/l currencyNegativeFormat/s/10 currencyPositiveFormat/s/10 description/s/100 displaySymbol/i
            exchangeRate/d isActive/b isInternalCurrency/b lastModifiedDateTime/t name/s/3
            updateResourceId/i""",
            writable=("exchangeRate",),
        ),
        can_update=True,
        touch_on_update=("lastModifiedDateTime",),
    ),
    EntityDef(
        "OrganizationalLevel1s",
        "OrganizationalLevel1",
        _fields("id/l description/s/400 isActive/b name/s/50"),
        can_create=True,
        can_update=True,
    ),
    EntityDef(
        "OrganizationalLevel2s",
        "OrganizationalLevel2",
        _fields("id/l description/s/400 isActive/b name/s/50"),
        can_create=True,
        can_update=True,
    ),
    EntityDef(
        "OrganizationalLevelAssociations",
        "OrganizationalLevelAssociation",
        _fields(
            """id/l isActive/b organizationalLevel1ID/i>OrganizationalLevel1s
            organizationalLevel2ID/i>OrganizationalLevel2s"""
        ),
        can_create=True,
        can_update=True,
    ),
    EntityDef(
        "InvoiceTemplates",
        "InvoiceTemplate",
        _fields(
            """id/l coveredByBlockRetainerContractLabel/s/100
            coveredByRecurringServiceFixedPricePerTicketContractLabel/s/100 currencyNegativeFormat/s/10
            currencyPositiveFormat/s/10 dateFormat/i displayFixedPriceContractLabor/b
            displayRecurringServiceContractLabor/b displaySeparateLineItemForEachTax/b displayTaxCategory/b
            displayTaxCategorySuperscripts/b displayZeroAmountRecurringServicesAndBundles/b groupBy/i
            itemizeItemsInEachGroup/i itemizeServicesAndBundles/b name/s/50 nonBillableLaborLabel/s/100
            numberFormat/i pageLayout/i pageNumberFormat/i paymentTerms/i rateCostExpression/s/100
            showGridHeader/b showVerticalGridLines/b sortBy/i timeFormat/i"""
        ),
    ),
    EntityDef(
        "PaymentTerms",
        "PaymentTerm",
        _fields("id/l description/s/500 isActive/b name/s/100 paymentDueInDays/i"),
        can_create=True,
        can_update=True,
    ),
    # BillingCodes.department points here (ecitsolutions/Autotask Get-AtwsAllocationCode.ps1:
    # "Department ID").
    EntityDef(
        "Departments",
        "Department",
        _fields("id/l description/s/1000 name/s/100 number/s/50 primaryLocationID/i"),
        can_create=True,
        can_update=True,
    ),
    # One row per receiving of a purchase order item (the UI's "Receive"); written through the child
    # `PurchaseOrderItems/{parentId}/Receiving`, which the sandbox serves read-only like its other children.
    EntityDef(
        "PurchaseOrderItemReceiving",
        "PurchaseOrderItemReceiving",
        _fields(
            """id/l purchaseOrderItemID/l>PurchaseOrderItems quantityBackOrdered/i quantityNowReceiving/i
            quantityPreviouslyReceived/i receiveDate/t receivedByResourceID/i serialNumber/s/100"""
        ),
    ),
)

BY_NAME: dict[str, EntityDef] = {e.name.lower(): e for e in ENTITIES}

# Child collections served under a parent: (parent, child path segment) -> (child entity, parent-key field).
CHILDREN: dict[tuple[str, str], tuple[str, str]] = {
    ("PurchaseOrders", "items"): ("PurchaseOrderItems", "orderID"),
    ("Companies", "contacts"): ("Contacts", "companyID"),
    ("PurchaseOrderItems", "receiving"): ("PurchaseOrderItemReceiving", "purchaseOrderItemID"),
}

# Fields whose picklist is the PaymentTerms records rather than a fixed list.
PAYMENT_TERM_FIELDS: dict[str, str] = {"Invoices": "paymentTerm", "PurchaseOrders": "paymentTerm"}

# UDFs every UDF-capable entity declares even if no record fills them (more come from the dataset).
DEFAULT_UDFS: dict[str, tuple[str, ...]] = {"Companies": ("Xero Organisation",)}


def entity(name: str) -> EntityDef | None:
    return BY_NAME.get(name.lower())


def static_picklist(entity_name: str, field_name: str) -> dict[int, str] | None:
    return picklists.PICKLISTS.get(entity_name, {}).get(field_name)
