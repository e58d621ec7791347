# A stand-in for OpenWrt's include/package.mk: BuildPackage reads Package/<name> (and
# stops without TITLE, CATEGORY or SECTION, as the SDK does), and makes the targets
# `prepare` (check the download's sha256 against PKG_HASH unless SKIP_HASH=1, then
# Build/Prepare in a fresh PKG_BUILD_DIR), `compile` (Build/Compile) and
# `install` (Package/<name>/install into $(ROOT)), which the real SDK runs in that order.
PKG_BUILD_DIR?=$(BUILD_DIR)/$(PKG_NAME)-$(PKG_VERSION)

define BuildPackage
$$(eval $$(Package/$(1)))
$$(foreach f,TITLE CATEGORY SECTION,$$(if $$($$(f)),,$$(error Package/$(1) is missing the $$(f) field)))
.PHONY: prepare compile install
prepare:
	rm -rf $$(PKG_BUILD_DIR) && mkdir -p $$(PKG_BUILD_DIR)
	$$(if $$(PKG_SOURCE),$$(if $$(filter 1,$$(SKIP_HASH)),,echo "$$(PKG_HASH)  $$(DL_DIR)/$$(PKG_SOURCE)" | sha256sum -c -))
	$$(call Build/Prepare)
compile:
	$$(call Build/Compile)
install:
	mkdir -p $$(ROOT)
	$$(call Package/$(1)/install,$$(ROOT))
endef
