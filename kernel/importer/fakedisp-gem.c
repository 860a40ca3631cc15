// SPDX-License-Identifier: GPL-2.0
/*
 * fakedisp buffer objects. Two kinds share struct fakedisp_bo:
 *   - dumb buffers, backed by pages we allocate ourselves, which userspace
 *     maps (DRM_IOCTL_MODE_MAP_DUMB + mmap) and may export as dma-bufs
 *     through DRM's PRIME helpers (get_sg_table, vmap, mmap below);
 *   - imports, made by fakedisp-prime.c around another driver's dma-buf.
 * Both have a kernel mapping only while something reads through it
 * (fakedisp_bo_vmap()/fakedisp_bo_vunmap(), counted): the frames that show
 * the buffer (fakedisp-scanout.c) and other importers of an exported dumb
 * buffer. Both have a pfn hash shown in debugfs.
 *
 * Dumb buffers are memory any DRM client can pin, so they are capped in
 * total (module parameter max_memory_mb, -ENOMEM past it, as fakecam caps
 * its buffers) and their pages are charged to the creator's memory cgroup
 * (__GFP_ACCOUNT).
 */
#include <linux/mm.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_prime.h>
#include <drm/drm_vma_manager.h>

#include <dmabuf-interop/pfn-hash.h>

#include "fakedisp.h"
#include "fakedisp-compat.h"

/*
 * Dumb buffer limits, checked before any allocation: no side longer than
 * a framebuffer's (mode_config's max_width and max_height), no colour mode
 * deeper than the deepest the UAPI lists (64, legacy), and no buffer
 * larger than a framebuffer of the largest size in fakedisp's deepest
 * format (4 bytes a pixel), which the default max_memory_mb holds.
 */
#define FAKEDISP_DUMB_MAX_BPP 64
#define FAKEDISP_DUMB_MAX_SIZE                                           \
	((u64)FAKEDISP_FB_MAX_WIDTH * FAKEDISP_FB_MAX_HEIGHT * 4)
/* Row alignment of dumb buffers, as a display engine's DMA would want. */
#define FAKEDISP_DUMB_PITCH_ALIGN 64

/* Gives @bo its id and makes it visible to debugfs and import lookups. */
void fakedisp_bo_register(struct fakedisp_device *fd, struct fakedisp_bo *bo)
{
	mutex_lock(&fd->buffers_lock);
	bo->id = ++fd->next_bo_id;
	list_add_tail(&bo->link, &fd->buffers);
	mutex_unlock(&fd->buffers_lock);
}

/*
 * A reference on the kernel mapping: the first one makes it (the
 * exporter's vmap for an import, our vmap() of our pages otherwise).
 */
int fakedisp_bo_vmap(struct fakedisp_bo *bo)
{
	struct fakedisp_device *fd = to_fakedisp(bo->base.dev);
	unsigned long n = bo->base.size >> PAGE_SHIFT;
	void *vaddr;
	int ret = 0;

	mutex_lock(&bo->vmap_lock);
	if (bo->vmap_count)
		goto out;
	if (bo->base.import_attach) {
		ret = fakedisp_import_vmap(bo);
		goto out;
	}
	vaddr = vmap(bo->pages, n, VM_MAP, PAGE_KERNEL);
	if (!vaddr) {
		ret = -ENOMEM;
		goto out;
	}
	iosys_map_set_vaddr(&bo->map, vaddr);
	fakedisp_event(fd, "vmap", bo->id, bo->ino, 0);
out:
	if (!ret)
		bo->vmap_count++;
	mutex_unlock(&bo->vmap_lock);
	return ret;
}

/* Drops a reference from fakedisp_bo_vmap(); the last one unmaps. */
void fakedisp_bo_vunmap(struct fakedisp_bo *bo)
{
	mutex_lock(&bo->vmap_lock);
	if (WARN_ON(!bo->vmap_count) || --bo->vmap_count)
		goto out;
	if (bo->base.import_attach) {
		fakedisp_import_vunmap(bo);
	} else {
		vunmap(bo->map.vaddr);
		fakedisp_event(to_fakedisp(bo->base.dev), "vunmap", bo->id,
			       bo->ino, 0);
	}
	iosys_map_clear(&bo->map);
out:
	mutex_unlock(&bo->vmap_lock);
}

static void free_pages_array(struct page **pages, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++)
		__free_page(pages[i]);
	kvfree(pages);
}

static void fakedisp_bo_free(struct drm_gem_object *obj)
{
	struct fakedisp_device *fd = to_fakedisp(obj->dev);
	struct fakedisp_bo *bo = to_fakedisp_bo(obj);

	mutex_lock(&fd->buffers_lock);
	list_del(&bo->link);
	mutex_unlock(&fd->buffers_lock);

	/* Every user of the mapping holds a reference on the object. */
	WARN_ON(bo->vmap_count);
	if (obj->import_attach) {
		fakedisp_import_release(bo);
	} else {
		free_pages_array(bo->pages, obj->size >> PAGE_SHIFT);
		atomic_long_sub(obj->size, &fd->dumb_bytes);
	}
	fakedisp_event(fd, "free", bo->id, bo->ino, 0);

	drm_gem_object_release(obj);
	mutex_destroy(&bo->vmap_lock);
	kfree(bo);
}

/* For DRM's PRIME export: a fresh table, mapped and freed by DRM. */
static struct sg_table *fakedisp_bo_get_sg_table(struct drm_gem_object *obj)
{
	struct fakedisp_bo *bo = to_fakedisp_bo(obj);

	return drm_prime_pages_to_sg(obj->dev, bo->pages,
				     obj->size >> PAGE_SHIFT);
}

static struct dma_buf *fakedisp_bo_export(struct drm_gem_object *obj,
					  int flags)
{
	struct fakedisp_bo *bo = to_fakedisp_bo(obj);
	struct dma_buf *dmabuf;

	dmabuf = drm_gem_prime_export(obj, flags);
	if (!IS_ERR(dmabuf)) {
		bo->ino = file_inode(dmabuf->file)->i_ino;
		fakedisp_event(to_fakedisp(obj->dev), "export", bo->id, bo->ino,
			       obj->size);
	}
	return dmabuf;
}

/*
 * vmap and vunmap for other importers of an exported dumb buffer (DRM's
 * dma-buf ops call them, 6.2+ under the object's reservation lock). The
 * dma-buf core counts its own vmaps and calls these once per mapping.
 */
static int fakedisp_bo_gem_vmap(struct drm_gem_object *obj,
				struct iosys_map *map)
{
	struct fakedisp_bo *bo = to_fakedisp_bo(obj);
	int ret;

	ret = fakedisp_bo_vmap(bo);
	if (!ret)
		*map = bo->map;
	return ret;
}

static void fakedisp_bo_gem_vunmap(struct drm_gem_object *obj,
				   struct iosys_map *map)
{
	fakedisp_bo_vunmap(to_fakedisp_bo(obj));
}

/*
 * mmap of a dumb buffer, through the DRM fd or an exported dma-buf. Both
 * callers leave the fake offset in vm_pgoff. All pages go in at once: the
 * buffer is pinned for its whole life anyway.
 */
static int fakedisp_bo_mmap(struct drm_gem_object *obj,
			    struct vm_area_struct *vma)
{
	struct fakedisp_bo *bo = to_fakedisp_bo(obj);
	unsigned long first = vma->vm_pgoff - drm_vma_node_start(&obj->vma_node);
	unsigned long n = vma_pages(vma), i;
	int ret;

	if (obj->import_attach)
		return -EINVAL;
	if (first > obj->size >> PAGE_SHIFT ||
	    n > (obj->size >> PAGE_SHIFT) - first)
		return -EINVAL;

	fakedisp_compat_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	for (i = 0; i < n; i++) {
		ret = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE,
				     bo->pages[first + i]);
		if (ret)
			return ret;
	}
	return 0;
}

static const struct vm_operations_struct fakedisp_bo_vm_ops = {
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

const struct drm_gem_object_funcs fakedisp_bo_funcs = {
	.free = fakedisp_bo_free,
	.export = fakedisp_bo_export,
	.get_sg_table = fakedisp_bo_get_sg_table,
	.vmap = fakedisp_bo_gem_vmap,
	.vunmap = fakedisp_bo_gem_vunmap,
	.mmap = fakedisp_bo_mmap,
	.vm_ops = &fakedisp_bo_vm_ops,
};

/*
 * The pages are the client's memory: charged to its memory cgroup, and a
 * request that cannot be met fails without waking the OOM killer.
 */
#define FAKEDISP_DUMB_GFP (GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

static struct fakedisp_bo *fakedisp_bo_create(struct fakedisp_device *fd,
					      size_t size)
{
	unsigned long n = size >> PAGE_SHIFT, i;
	struct fakedisp_bo *bo;

	/* Reserve first: concurrent creators cannot overshoot the cap. */
	if (atomic_long_add_return(size, &fd->dumb_bytes) > fd->dumb_max) {
		atomic_long_sub(size, &fd->dumb_bytes);
		fakedisp_event(fd, "create-failed", 0, 0, size);
		return ERR_PTR(-ENOMEM);
	}

	bo = kzalloc(sizeof(*bo), GFP_KERNEL_ACCOUNT);
	if (!bo)
		goto err_unreserve;
	bo->pages = kvmalloc_array(n, sizeof(*bo->pages), FAKEDISP_DUMB_GFP);
	if (!bo->pages)
		goto err_bo;
	/* Zeroed: a fresh buffer must not show what freed memory held. */
	for (i = 0; i < n; i++) {
		bo->pages[i] = alloc_page(FAKEDISP_DUMB_GFP | __GFP_ZERO);
		if (!bo->pages[i])
			goto err_pages;
	}

	bo->base.funcs = &fakedisp_bo_funcs;
	drm_gem_private_object_init(&fd->drm, &bo->base, size);
	mutex_init(&bo->vmap_lock);
	bo->pfn_hash = pfn_hash_pages(bo->pages, n);
	fakedisp_bo_register(fd, bo);
	fakedisp_event(fd, "create", bo->id, 0, size);
	return bo;

err_pages:
	free_pages_array(bo->pages, i);
err_bo:
	kfree(bo);
err_unreserve:
	atomic_long_sub(size, &fd->dumb_bytes);
	return ERR_PTR(-ENOMEM);
}

/*
 * DRM_IOCTL_MODE_CREATE_DUMB. @bpp is a colour mode (drm_mode.h): 32, 24,
 * 16, 15, 8 down to 1, and the legacy 10, 12, 30 and 64; like the core's
 * generic helpers we take any value up to the deepest and size the rows
 * by bits, so the geometry clients use for other layouts works too (NV12
 * as bpp 8 and height * 3 / 2, YUYV as bpp 16). Rows are padded to
 * FAKEDISP_DUMB_PITCH_ALIGN bytes, the size to whole pages.
 * -EINVAL for a geometry no buffer may have, -ENOMEM past the total cap or
 * when the memory is not there (the cgroup's limit included).
 */
int fakedisp_dumb_create(struct drm_file *file, struct drm_device *drm,
			 struct drm_mode_create_dumb *args)
{
	struct fakedisp_device *fd = to_fakedisp(drm);
	struct fakedisp_bo *bo;
	u64 pitch, size;
	int ret;

	if (!args->width || !args->height || !args->bpp ||
	    args->width > FAKEDISP_FB_MAX_WIDTH ||
	    args->height > FAKEDISP_FB_MAX_HEIGHT ||
	    args->bpp > FAKEDISP_DUMB_MAX_BPP)
		return -EINVAL;

	pitch = ALIGN(DIV_ROUND_UP((u64)args->width * args->bpp, 8),
		      FAKEDISP_DUMB_PITCH_ALIGN);
	size = PAGE_ALIGN(pitch * args->height);
	if (size > FAKEDISP_DUMB_MAX_SIZE)
		return -EINVAL;

	bo = fakedisp_bo_create(fd, size);
	if (IS_ERR(bo))
		return PTR_ERR(bo);

	ret = drm_gem_handle_create(file, &bo->base, &args->handle);
	/* The handle holds the object now, or nothing does. */
	drm_gem_object_put(&bo->base);
	if (ret)
		return ret;
	args->pitch = pitch;
	args->size = size;
	return 0;
}
